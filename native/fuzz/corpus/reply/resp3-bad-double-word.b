,infinity
