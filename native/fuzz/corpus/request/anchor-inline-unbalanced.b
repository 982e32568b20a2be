Cset "a b
