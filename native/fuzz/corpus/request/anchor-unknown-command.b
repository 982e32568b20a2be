C*3
$3
foo
$1
a
$1
b
