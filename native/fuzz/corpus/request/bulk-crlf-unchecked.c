ü*1
$4
PINGxx*1x$4xPINGyy