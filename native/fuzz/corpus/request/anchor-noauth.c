ü*2
$3
GET
$1
k
