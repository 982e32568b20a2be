C*abc
