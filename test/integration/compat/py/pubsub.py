"""Pub/sub: channels and patterns (redis-py 4.3.4 has no sharded pub/sub)."""
import time

from compat_common import emit, read_input, run_all

inp = read_input()


def scenario(open_client, k, token, mode):
    c = open_client()
    p = c.pubsub()
    p.subscribe(k("ch1"), k("ch2"))
    p.psubscribe(k("pat") + "*")
    got = []
    # the subscription confirmations first, then the messages
    deadline = time.time() + 5
    while len(got) < 3 and time.time() < deadline:
        m = p.get_message(timeout=0.1)
        if m:
            got.append(m)
    c.publish(k("ch1"), "one")
    c.publish(k("pat-x"), "two")
    c.publish(k("ch2"), "three")
    while len(got) < 6 and time.time() < deadline:
        m = p.get_message(timeout=0.1)
        if m:
            got.append(m)
    p.unsubscribe(k("ch1"))
    while len(got) < 7 and time.time() < deadline:
        m = p.get_message(timeout=0.1)
        if m:
            got.append(m)
    p.close()
    confirmations = [[m["type"], m["channel"], m["data"]] for m in got if m["type"] not in ("message", "pmessage")]
    messages = sorted(
        [[m["type"], m.get("pattern"), m["channel"], m["data"]] for m in got if m["type"] in ("message", "pmessage")],
        key=repr,
    )
    return {"confirmations": confirmations, "messages": messages}


emit(run_all(inp, scenario))
