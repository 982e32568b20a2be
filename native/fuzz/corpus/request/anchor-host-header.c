üHost: example.com
