#!/usr/bin/python3
# Self instructions per function of a callgrind dump of the proxy (bench/callgrind/proxy.sh with
# NODEFLAGS='--single-threaded --perf-basic-prof' and KEEP), with V8's JIT code named from the
# perf map Node wrote (callgrind only sees addresses there), per request, largest first.
#   bench/callgrind/jit-names.py PERF_MAP FILE:REQUESTS [SMALLER_FILE:REQUESTS] [TOP] [--inclusive]
# With a smaller run's dump (proxy.sh dumps TEST-N/4 and TEST-N), per request of the difference:
# the cost of opening the connections is then left out. --inclusive: each function with what it
# calls, no summary by owner. The "steady" line sums the rows that runs of one build agree on.
import bisect
import re
import subprocess
import sys

inclusive = '--inclusive' in sys.argv
args = [a for a in sys.argv[1:] if a != '--inclusive']
perfmap = args.pop(0)
runs = []
while args and ':' in args[0]:
    f, n = args.pop(0).rsplit(':', 1)
    runs.append((f, int(n)))
top = int(args[0]) if args else 60

starts, ends, names = [], [], []
for line in open(perfmap):
    addr, size, name = line.rstrip('\n').split(' ', 2)
    starts.append(int(addr, 16))
    ends.append(int(addr, 16) + int(size, 16))
    names.append(name)
order = sorted(range(len(starts)), key=starts.__getitem__)
starts = [starts[i] for i in order]
ends = [ends[i] for i in order]
names = [names[i] for i in order]


def jit_name(addr: int) -> str | None:
    i = bisect.bisect_right(starts, addr) - 1
    return names[i] if i >= 0 and addr < ends[i] else None


def group(fn: str) -> str:
    """A rough owner of the function, for the summary."""
    if fn.startswith('JS:'):
        return 'JS, Node internals' if ' node:' in fn else 'JS, slotproxy' if '/dist/' in fn else 'JS, other'
    if 'slotproxy.node' in fn:
        return 'addon'
    if fn.startswith('napi_') or 'Napi::' in fn:
        return 'N-API'
    if 'deps/uv' in fn:
        return 'libuv'
    if 'libc.so' in fn:
        return 'libc'
    if re.search(r'Scaveng|Heap|GC|Mark|Sweep|Evacuat|Marking|Compact', fn):
        return 'V8 GC'
    if fn.startswith('Builtins_'):
        return 'V8 builtins'
    if fn.startswith('node::'):
        return 'Node C++'
    if fn.startswith('v8::'):
        return 'V8 runtime and API'
    return 'other'


def costs(cg: str) -> dict[str, int]:
    out = subprocess.run(['callgrind_annotate', f'--inclusive={"yes" if inclusive else "no"}', '--threshold=100', cg], capture_output=True, text=True).stdout
    totals: dict[str, int] = {}
    for line in out.splitlines():
        m = re.match(r'^\s*([\d,]+) \([ \d.]+%\)\s+(.*)$', line)
        if not m or 'PROGRAM TOTALS' in line:
            continue
        ir = int(m.group(1).replace(',', ''))
        fn = m.group(2)
        a = re.match(r'\?\?\?:0x([0-9a-f]+) \[\?\?\?\]', fn)
        if a:
            fn = jit_name(int(a.group(1), 16)) or fn
        fn = re.sub(r'^\?\?\?:', '', fn)
        fn = re.sub(r'\(.*\) \[', ' [', fn) if len(fn) > 150 else fn
        totals[fn] = totals.get(fn, 0) + ir
    # (after `callgrind_control -z` the frames that were on the stack, main() down to uv_run, show
    # the whole dump as their own cost: they are left out)
    outer = max(totals.values())
    return {fn: ir for fn, ir in totals.items() if ir != outer}


totals = costs(runs[0][0])
requests = runs[0][1]
if len(runs) > 1:
    for fn, ir in costs(runs[1][0]).items():
        totals[fn] = totals.get(fn, 0) - ir
    requests -= runs[1][1]
total = sum(totals.values())
if inclusive:
    for fn, ir in sorted(totals.items(), key=lambda kv: -kv[1])[:top]:
        print(f'{ir / requests:8.0f}  {fn[:160]}')
    sys.exit(0)
print(f'{total / requests:.0f} instructions per request ({total} over {requests})')
groups: dict[str, int] = {}
for fn, ir in totals.items():
    g = group(fn)
    groups[g] = groups.get(g, 0) + ir
for g, ir in sorted(groups.items(), key=lambda kv: -kv[1]):
    print(f'{ir / requests:8.0f} {100 * ir / total:5.1f}%  [{g}]')
# The rows two runs of one build agree on (within ~3%): GC, V8's runtime (compiling) and its
# builtins move by hundreds to thousands per request with when a scavenge or a recompile falls.
steady = sum(groups.get(g, 0) for g in ('JS, slotproxy', 'addon', 'N-API', 'libuv'))
print(f'steady: {steady / requests:.0f} (the proxy\'s JS, the addon, N-API, libuv)')
# V8's side of the calls from JavaScript into the addon (and JS calls through the generic call
# builtins): not in the steady rows, yet it moves with how the proxy calls (a megamorphic call
# site of an API function took V8's generic path, ~240 instructions more per call).
calls = sum(ir for fn, ir in totals.items() if re.search(
    r'HandleApiCall|FunctionCallbackArguments|CallApiCallback|FunctionCallbackWrapper|AdaptorWithBuiltinExitFrame|'
    r'CEntry_Return1_ArgvOnStack_BuiltinExit|^Builtins_Call_Receiver|^Builtins_CallFunction_Receiver|HandleScope|SaveContext', fn))
print(f'calls: {calls / requests:.0f} (V8\'s side of calls into the addon); steady + calls: {(steady + calls) / requests:.0f}')
print()
for fn, ir in sorted(totals.items(), key=lambda kv: -kv[1])[:top]:
    print(f'{ir / requests:8.0f} {100 * ir / total:5.1f}%  {fn[:160]}')
