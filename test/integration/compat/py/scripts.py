"""Scripts and functions: register_script (EVALSHA, EVAL after NOSCRIPT), SCRIPT LOAD and
EVALSHA, FUNCTION LOAD and FCALL / FCALL_RO. RedisCluster loads on every primary itself."""
from compat_common import emit, read_input, run_all, settled

inp = read_input()


def library(name, token):
    return (
        "#!lua name=%s\n"
        "redis.register_function('get_%s', function(keys, args) return redis.call('GET', keys[1]) end)\n"
        "redis.register_function{function_name='ro_%s', callback=function(keys, args) return redis.call('STRLEN', keys[1]) end, flags={'no-writes'}}"
        % (name, token, token)
    )


def scenario(open_client, k, token, mode):
    c = open_client()
    swap = c.register_script("local old = redis.call('GET', KEYS[1]); redis.call('SET', KEYS[1], ARGV[1]); return old")
    out = {"swaps": [swap(keys=[k("sw")], args=["a"]), swap(keys=[k("sw")], args=["b"])]}
    sha = c.script_load("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    out["evalsha"] = [c.evalsha(sha, 1, k("n"), 5), c.evalsha(sha, 1, k("n"), 5)]
    out["exists"] = c.script_exists(sha)
    out["missing"] = settled(lambda: c.evalsha("0" * 40, 1, k("n")))
    loaded = c.function_load(library("compat_py_" + token, token), replace=True)
    # RedisCluster answers per primary: the library each of them loaded
    out["loaded"] = sorted(set(loaded.values())) if isinstance(loaded, dict) else [loaded]
    c.set(k("f"), "value")
    out["fcalls"] = [
        c.fcall("get_" + token, 1, k("f")),
        c.fcall_ro("ro_" + token, 1, k("f")),
        settled(lambda: c.fcall_ro("get_" + token, 1, k("f"))),
    ]
    return out


emit(run_all(inp, scenario))
