?$?
;4
Hell
;0
