ü*0
*1
$4
PING
