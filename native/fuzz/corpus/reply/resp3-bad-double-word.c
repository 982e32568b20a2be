?,infinity
