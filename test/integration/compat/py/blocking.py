"""Blocking commands woken by another client (a thread), and timing out."""
import threading
import time

from compat_common import emit, read_input, run_all

inp = read_input()


def later(fn, delay=0.05):
    t = threading.Thread(target=lambda: (time.sleep(delay), fn()))
    t.start()
    return t


def scenario(open_client, k, token, mode):
    a, b = open_client(), open_client()
    out = {}
    t = later(lambda: b.lpush(k("q"), "v1", "v2"))
    out["blpop"] = a.blpop([k("q")], 5)
    t.join()
    out["brpop_timeout"] = a.brpop([k("empty")], 0.05)
    t = later(lambda: b.zadd(k("z"), {"m": 1}))
    out["bzpopmin"] = a.bzpopmin([k("z")], 5)
    t.join()
    a.xgroup_create(k("s"), "g", "$", mkstream=True)
    t = later(lambda: b.xadd(k("s"), {"f": "v"}, id="7-1"))
    out["xreadgroup"] = a.xreadgroup("g", "c1", {k("s"): ">"}, block=5000)
    t.join()
    t = later(lambda: b.rpush(k("src"), "m1"))
    out["blmove"] = a.blmove(k("src"), k("dst"), 5, "LEFT", "RIGHT")
    t.join()
    out["dst"] = a.lrange(k("dst"), 0, -1)
    return out


emit(run_all(inp, scenario))
