?=3
txt
