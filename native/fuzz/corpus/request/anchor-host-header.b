CHost: example.com
