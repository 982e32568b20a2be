+OK
:42
$5
hello
$0

$-1
*-1
*0
+
-ERR x
