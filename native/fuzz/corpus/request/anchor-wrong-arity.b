C*1
$3
get
