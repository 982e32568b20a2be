!25
MOVED 3999 127.0.0.1:6381
!9
ASK 1 h:1
!8
TRYAGAIN
!31
CLUSTERDOWN The cluster is down
!5
MOVED
!12
MOVED
1 h:1
*1
!11
MOVED 1 h:1
