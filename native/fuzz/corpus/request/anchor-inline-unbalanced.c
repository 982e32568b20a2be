üset "a b
