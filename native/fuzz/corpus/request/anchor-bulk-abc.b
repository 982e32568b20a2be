C*1
$abc
