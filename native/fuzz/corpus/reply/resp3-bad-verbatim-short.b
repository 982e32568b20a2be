=3
txt
