"""redis-py's RedisCluster(host, port) pointed at the proxy: it reads INFO's cluster_enabled,
CLUSTER SLOTS and COMMAND, then routes by slot. Prints what it discovered and a round trip."""
from redis.cluster import RedisCluster

from compat_common import emit, read_input

inp = read_input()
rc = RedisCluster(host=inp["proxy"]["host"], port=inp["proxy"]["port"])
key = inp["tag"] + ":started"
rc.set(key, "yes")
emit(
    {
        "nodes": sorted("%s:%s:%s" % (n.host, n.port, n.server_type) for n in rc.get_nodes()),
        "get": rc.get(key).decode(),
        "keyslot": rc.keyslot(key),
        "cluster_keyslot": rc.cluster_keyslot(key),
        "cluster_enabled": rc.get_default_node().redis_connection.info("cluster")["cluster_enabled"],
    }
)
rc.close()
