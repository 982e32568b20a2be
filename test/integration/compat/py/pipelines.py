"""Pipelines of 200 commands with an error in the middle (Redis and RedisCluster)."""
from compat_common import emit, read_input, run_all

inp = read_input()


def pipeline(open_client, k, token, mode):
    c = open_client()
    p = c.pipeline(transaction=False)
    for i in range(100):
        p.set(k("p%d" % i), i)
        p.incr(k("p%d" % i))
    p.lpush(k("p1"), "x")
    p.lrange(k("l"), 0, -1)
    for i in range(100):
        p.get(k("p%d" % i))
    return p.execute(raise_on_error=False)


emit(run_all(inp, pipeline))
