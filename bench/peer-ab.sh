#!/bin/bash
# slotproxy against twemproxy (Debian's nutcracker) on the same machine, alternating runs of the
# same redis-benchmark arguments: the medians of each one's req/s and CPU per request (user and
# kernel, from /proc), and slotproxy / twemproxy per rep. slotproxy is in front of a local
# 3-master cluster, twemproxy in front of 3 standalone redis-servers (crc16, modula: it does not
# speak Redis Cluster; see bench/peer.ts for what that favours). The absolute figures move with
# the machine by ±20% between runs minutes apart (GET -P1 user: slotproxy 8.00 then 5.15 µs,
# twemproxy 6.85 then 5.45), the ratios of one run much less: this is the same-run peer the
# absolute goals are to be read against.
#   bench/peer-ab.sh -c 50 -d 64 -r 100000 -P 1 -n 200000 -t get      (REPS=5 by default)
# Ports: 17950-17952 (standalone masters), 17960-17962 (twemproxy, its stats, slotproxy) and the
# cluster's (bench/local-cluster.sh). Needs nutcracker (apt-get install nutcracker).
set -euo pipefail
REPS=${REPS:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
cd "$ROOT"
. "$ROOT/bench/local-cluster.sh"
. "$ROOT/bench/twemproxy.sh"
# (before the cluster is started for nothing)
need_nutcracker || exit 1
start_cluster "$WORK"
P=
cleanup() {
  [ -n "$P" ] && { kill -INT $P 2>/dev/null || true; wait $P 2>/dev/null || true; }
  stop_twemproxy
  kill -TERM $CLUSTER 2>/dev/null || true
  wait $CLUSTER 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
start_twemproxy "$WORK"
T=$TWEMPROXY
SLOTPROXY_CLUSTER=$SEEDS SLOTPROXY_LOG_LEVEL=warn node dist/bin/slotproxy.js --port 17962 &
P=$!
wait_ping 17962
N=$(echo "$@" | sed -n 's/.*-n \([0-9]*\).*/\1/p')
ARGS=("$@")
one() { timed_run "$1" "$2" "${ARGS[@]}"; }
one 17962 $P >/dev/null
one 17960 $T >/dev/null
for r in $(seq "$REPS"); do
  if (( r % 2 )); then s=$(one 17962 $P); w=$(one 17960 $T); else w=$(one 17960 $T); s=$(one 17962 $P); fi
  echo "S $s T $w" | tee -a "$WORK/runs"
done
python3 - "$WORK/runs" "$N" <<'PY'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1])]
n = int(sys.argv[2])
us = lambda i: [float(r[i]) * 10 * 1000 / n for r in rows]  # clock ticks (10 ms) -> µs per request
su, sk, tu, tk = us(2), us(3), us(6), us(7)
med = st.median
print('median  slotproxy %.0f req/s, user %.2f + kernel %.2f us/req   twemproxy %.0f req/s, user %.2f + kernel %.2f us/req'
      % (med(float(r[1]) for r in rows), med(su), med(sk), med(float(r[5]) for r in rows), med(tu), med(tk)))
q = sorted(a / b for a, b in zip(su, tu) if b > 0)
c = sorted((a + b) / (x + y) for a, b, x, y in zip(su, sk, tu, tk) if x + y > 0)
print('per rep slotproxy/twemproxy: user %.3f (%.3f-%.3f), CPU %.3f (%.3f-%.3f)' % (med(q), q[0], q[-1], med(c), c[0], c[-1]))
PY
