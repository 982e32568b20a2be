"""Big values (2 MB): SET/GET, MGET, APPEND, in a pipeline and in a hash; compared by digest."""
import hashlib

from compat_common import emit, read_input, run_all

inp = read_input()


def digest(v):
    return "null" if v is None else "%d:%s" % (len(v), hashlib.sha1(v).hexdigest())


def scenario(open_client, k, token, mode):
    c = open_client()
    big = b"abcdefghij" * 200000
    other = b"z" * (1 << 20)
    c.set(k("big"), big)
    c.set(k("other"), other)
    out = {"got": digest(c.get(k("big")))}
    # MGET needs one slot for RedisCluster: the keys share the tag
    out["both"] = [digest(v) for v in c.mget(k("big"), k("other"), k("none"))]
    c.append(k("other"), big)
    p = c.pipeline(transaction=False)
    p.get(k("other")).hset(k("h"), "f", big).hget(k("h"), "f").strlen(k("other"))
    out["piped"] = [digest(v) if isinstance(v, bytes) else v for v in p.execute()]
    out["range"] = c.getrange(k("big"), 1999990, 1999999)
    return out


emit(run_all(inp, scenario))
