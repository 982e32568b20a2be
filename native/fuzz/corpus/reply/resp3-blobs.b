=15
txt:Some string
=4
mkd:
=9
txt:a
b

!21
SYNTAX invalid syntax
!0

!6
ERR
x
