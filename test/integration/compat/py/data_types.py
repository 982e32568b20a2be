"""Data types: the command scripts the test sends (one per data type), run one command at a
time through execute_command (redis-py's reply callbacks and, for RedisCluster, its routing
by COMMAND's key positions and COMMAND GETKEYS)."""
from compat_common import emit, read_input, run_all, settled

inp = read_input()


def scenario(open_client, k, token, mode):
    c = open_client()
    side = "proxy" if token == inp["tokens"][mode]["proxy"] else "direct"
    out = {}
    for family, cmds in inp["scripts"][mode][side].items():
        out[family] = [settled(lambda cmd=cmd: c.execute_command(*cmd)) for cmd in cmds]
    return out


emit(run_all(inp, scenario))
