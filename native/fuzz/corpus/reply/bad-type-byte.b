+OK
?what
