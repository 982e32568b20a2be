+a
b
-ERR ab
