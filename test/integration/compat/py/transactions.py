"""Transactions: MULTI/EXEC with an error inside, EXECABORT, WATCH, the transaction() helper.
redis.Redis only: RedisCluster 4.3.4 has no transactions."""
from compat_common import emit, read_input, run_all, settled

inp = read_input()


def transactions(open_client, k, token, mode):
    c = open_client()
    other = open_client()
    out = {}
    p = c.pipeline(transaction=True)
    p.set(k("t"), "a").incr(k("t")).append(k("t"), "b").get(k("t"))
    out["with_error"] = p.execute(raise_on_error=False)
    p = c.pipeline(transaction=True)
    p.set(k("t2"), "x").execute_command("NOSUCHCOMMAND")
    out["aborted"] = settled(p.execute)
    out["after_abort"] = c.exists(k("t2"))
    c.set(k("w"), 1)
    with c.pipeline() as p:
        p.watch(k("w"))
        other.set(k("w"), 2)
        p.multi()
        p.set(k("w"), "a")
        out["conflict"] = settled(p.execute)

    def incr(pipe):
        v = int(pipe.get(k("w")))
        pipe.multi()
        pipe.set(k("w"), v + 1)

    out["transaction_helper"] = c.transaction(incr, k("w"))
    out["w"] = c.get(k("w"))
    return out


emit(run_all(inp, transactions, ("standalone",)))
