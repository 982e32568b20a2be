?=5
txt-x
