C*-10
*1
$4
PING
