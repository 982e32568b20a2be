=5
txt-x
