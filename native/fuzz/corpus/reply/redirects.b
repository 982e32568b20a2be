	-MOVED 3999 127.0.0.1:6381
-ASK 1 h:1
-TRYAGAIN Multiple keys request during rehashing of slot
-CLUSTERDOWN The cluster is down
-CLUSTERDOWN
-MOVED
-MOVEDX 1 h:1
-ASKING
-moved 1 h:1
+MOVED 1 h:1
*1
-MOVED 1 h:1
