C
*1
$4
PING
