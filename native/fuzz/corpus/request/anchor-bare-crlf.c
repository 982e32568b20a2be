ü
*1
$4
PING
