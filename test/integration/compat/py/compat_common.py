"""What the redis-py scripts of the compatibility suite share.

Each script reads its input (JSON on stdin: addresses, hash tag, run tokens), runs one pattern
group with redis.Redis and redis.cluster.RedisCluster, once against the cluster directly and
once through the proxy, and prints the results as JSON; the mocha test compares them.
"""
import json
import math
import sys

import redis
from redis.cluster import RedisCluster

MODES = ("standalone", "cluster")
SIDES = ("direct", "proxy")


def read_input():
    return json.load(sys.stdin)


def connect(inp, mode, side):
    """A client of this mode: through the proxy, or straight to the key's master (standalone)
    or to another cluster node (cluster)."""
    if side == "proxy":
        to = inp["proxy"]
    else:
        to = inp["master"] if mode == "standalone" else inp["seed"]
    if mode == "standalone":
        return redis.Redis(host=to["host"], port=to["port"], socket_timeout=30)
    return RedisCluster(host=to["host"], port=to["port"], socket_timeout=30)


def plain(v):
    """A reply as JSON: bytes as latin-1 text, sets sorted, errors as {"error": message}."""
    if v is None:
        return None
    if isinstance(v, bytes):
        return v.decode("latin-1")
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, str):
        return v
    if isinstance(v, BaseException):
        return {"error": "%s: %s" % (type(v).__name__, v)}
    if isinstance(v, (set, frozenset)):
        return sorted((plain(x) for x in v), key=json.dumps)
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {str(plain(k)): plain(x) for k, x in v.items()}
    return str(v)


def settled(fn):
    """fn()'s result, or the error it raised, as JSON."""
    try:
        return plain(fn())
    except Exception as e:  # the error is the result being compared
        return plain(e)


def emit(results):
    print(json.dumps(results))


def run_all(inp, scenario, modes=MODES):
    """Runs scenario(open, k, token, mode) for each mode, directly then through the proxy;
    returns {mode: {side: result}}. `open()` gives a new client, closed afterwards."""
    out = {}
    for mode in modes:
        out[mode] = {}
        for side in SIDES:
            token = inp["tokens"][mode][side]
            opened = []

            def open_client(mode=mode, side=side, opened=opened):
                c = connect(inp, mode, side)
                opened.append(c)
                return c

            def k(name, token=token):
                return "%s%s:%s" % (inp["tag"], token, name)

            try:
                out[mode][side] = plain(scenario(open_client, k, token, mode))
            except Exception as e:
                out[mode][side] = plain(e)
            finally:
                for c in opened:
                    c.close()
    return out
