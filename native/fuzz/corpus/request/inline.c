üPING
set a b
GET a
  
echo "x y" 'z'

