ü*abc
