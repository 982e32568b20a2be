ü*1
$abc
