#!/bin/bash
# A/B of two builds of slotproxy in front of ONE local 3-master cluster: runs redis-benchmark
# against A and B alternately and prints the medians of req/s and of the proxy's CPU per request
# (user + system, and each apart, from /proc). On a small shared machine a full `npm run bench` moves by up to
# 0.2 between runs; this is how hot-path changes were judged (bench/results/*-2026-11-26.md).
#
#   git worktree add /tmp/base <before-commit>     # then, in /tmp/base: ln -s <repo>/node_modules;
#   (cd /tmp/base && npx tsc -p . && mkdir -p build/Release && cp <repo>/build/Release/slotproxy.node build/Release/)
#   npm run build && REPS=6 ADIR=/tmp/base bench/ab.sh -c 50 -d 64 -r 100000 -P 16 -n 200000 -t mset
#
# The arguments go to redis-benchmark (-q is added first: after a custom command it would be taken
# as one more argument) and must include -n. PRE, if set, is run once after start-up (fill keys:
# PRE='redis-benchmark -q -p $PORT_A ... -t set; redis-benchmark -q -p $PORT_B ... -t set').
# AENV / BENV: extra environment (VAR=value ...) for proxy A / B, to compare settings of one build
# (ADIR=. then). AFLAGS / BFLAGS: node options for proxy A / B (V8 flags such as --single-threaded
# are refused in NODE_OPTIONS).
# FRESH=1: new proxy processes for every rep (each warmed with one run first). One pair of
# processes for all reps measures those two processes: A/Bs of one build against itself at GET
# -P1 (REPS=6) gave user B/A 0.906 and 0.899 with one pair, 1.005 and 1.001 with FRESH (CPU
# 0.963 / 0.920 and 1.015 / 1.072: the kernel's share moves with the machine either way). The
# "per rep" line gives B/A within each rep, where the machine's drift between reps cancels out,
# and its range: a change smaller than that range needs more reps, or callgrind
# (bench/callgrind/proxy.sh), to be told from noise.
# Never point redis-benchmark at a port nobody listens on: it retries forever.
set -euo pipefail
REPS=${REPS:-6}
ADIR=${ADIR:?ADIR: a built checkout of the "before" commit}
PORT_A=${PORT_A:-17801}
PORT_B=${PORT_B:-17802}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
cd "$ROOT"
. "$ROOT/bench/local-cluster.sh"
start_cluster "$WORK"
PA=
PB=
start_proxies() {
  (cd "$ADIR" && SLOTPROXY_CLUSTER=$SEEDS SLOTPROXY_LOG_LEVEL=warn exec env ${AENV:-} node ${AFLAGS:-} dist/bin/slotproxy.js --port "$PORT_A") &
  PA=$!
  SLOTPROXY_CLUSTER=$SEEDS SLOTPROXY_LOG_LEVEL=warn env ${BENV:-} node ${BFLAGS:-} dist/bin/slotproxy.js --port "$PORT_B" &
  PB=$!
  wait_ping "$PORT_A" "$PORT_B"
}
stop_proxies() {
  [ -n "$PA$PB" ] || return 0
  kill -INT $PA $PB 2>/dev/null || true
  wait $PA $PB 2>/dev/null || true
  PA=
  PB=
}
cleanup() {
  stop_proxies
  kill -TERM $CLUSTER 2>/dev/null || true
  wait $CLUSTER 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
start_proxies
if [ -n "${PRE:-}" ]; then eval "$PRE"; fi
N=$(echo "$@" | sed -n 's/.*-n \([0-9]*\).*/\1/p')
ARGS=("$@")
one() { # port pid -> "req/s usr-us-x100 sys-us-x100"
  local t
  t=($(timed_run "$1" "$2" "${ARGS[@]}"))
  # clock ticks (10 ms) -> µs per request x 100
  echo "${t[0]} $(( t[1]*10*100000/N )) $(( t[2]*10*100000/N ))"
}
one "$PORT_A" $PA >/dev/null
one "$PORT_B" $PB >/dev/null
head -1 /proc/stat > "$WORK/stat0"
for r in $(seq "$REPS"); do
  if [ -n "${FRESH:-}" ] && (( r > 1 )); then
    stop_proxies
    start_proxies
    one "$PORT_A" $PA >/dev/null
    one "$PORT_B" $PB >/dev/null
  fi
  if (( r % 2 )); then a=$(one "$PORT_A" $PA); b=$(one "$PORT_B" $PB); else b=$(one "$PORT_B" $PB); a=$(one "$PORT_A" $PA); fi
  echo "A $a B $b" | tee -a "$WORK/runs"
done
head -1 /proc/stat > "$WORK/stat1"
python3 - "$WORK/runs" "$WORK/stat0" "$WORK/stat1" <<'EOF'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1])]
# the hypervisor's steal over the runs: A/B of a disturbed machine says little
t0, t1 = ([int(x) for x in open(f).read().split()[1:9]] for f in sys.argv[2:4])
d = [b - a for a, b in zip(t0, t1)]
print('CPU stolen during the runs: %.1f%%, idle: %.1f%%' % (100 * d[7] / max(1, sum(d)), 100 * (d[3] + d[4]) / max(1, sum(d))))
med = lambda i: st.median(float(r[i]) for r in rows)
a_cpu, b_cpu = (med(2) + med(3)) / 100, (med(6) + med(7)) / 100
print('median  A %.0f req/s, CPU %.2f us/req   B %.0f req/s, CPU %.2f us/req   B/A req/s %.3f, CPU %.3f'
      % (med(1), a_cpu, med(5), b_cpu, med(5) / med(1), b_cpu / a_cpu))
print('median  user / kernel us/req: A %.2f / %.2f   B %.2f / %.2f   B/A user %.3f, kernel %.3f'
      % (med(2) / 100, med(3) / 100, med(6) / 100, med(7) / 100, med(6) / max(1, med(2)), med(7) / max(1, med(3))))
# B/A within each rep (A and B ran back to back), then their median and range: the machine's
# drift between reps cancels out of these, and the range says how far one rep's ratio can be off
def paired(f):
    q = sorted(f(r) for r in rows)
    return '%.3f (%.3f-%.3f)' % (st.median(q), q[0], q[-1])
cpu = lambda r, i: float(r[i + 1]) + float(r[i + 2])
print('per rep B/A: req/s %s, CPU %s, user %s' % (
    paired(lambda r: float(r[5]) / float(r[1])),
    paired(lambda r: cpu(r, 5) / max(1, cpu(r, 1))),
    paired(lambda r: float(r[6]) / max(1, float(r[2])))))
EOF
