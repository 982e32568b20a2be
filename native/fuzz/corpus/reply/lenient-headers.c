?*+1
:1
*abc
$abc
:xyz
