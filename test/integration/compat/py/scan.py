"""SCAN iteration (RedisCluster walks every primary), and HSCAN / SSCAN / ZSCAN over large
collections."""
from compat_common import emit, read_input, run_all

inp = read_input()


def scenario(open_client, k, token, mode):
    c = open_client()
    p = c.pipeline(transaction=False)
    for i in range(300):
        p.set(k("scan:%d" % i), i)
        p.hset(k("h"), "f%d" % i, i)
        p.sadd(k("s"), "m%d" % i)
        p.zadd(k("z"), {"m%d" % i: i})
    p.execute()
    keys = [x.decode() for x in c.scan_iter(match=k("scan:*"), count=50)]
    return {
        "keys": sorted(keys),
        "unique": len(set(keys)),
        "fields": sorted(f.decode() for f, _ in c.hscan_iter(k("h"), count=100)),
        "members": sorted(m.decode() for m in c.sscan_iter(k("s"), count=100)),
        "zmembers": sorted(m.decode() for m, _ in c.zscan_iter(k("z"), count=100)),
    }


emit(run_all(inp, scenario))
