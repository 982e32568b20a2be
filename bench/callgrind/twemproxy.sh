#!/usr/bin/env bash
# Instructions per request of the same-run peer, twemproxy (C, one thread), under callgrind: the
# figure bench/callgrind/proxy.sh gives for slotproxy, for the same redis-benchmark rows (its
# totals: user space, libc included, the kernel not). Counts do not move with the machine as
# CPU times do, so this ratio holds where the /proc ones of bench/peer-ab.sh wander by ±20%.
#   bench/callgrind/twemproxy.sh [TEST...]      (default: get set)
# Environment: P pipeline (1); N requests per measured run (20000; a run of N/4 is taken from it
# to leave the connections' cost out); C clients (50); REPS (2). Ports as bench/twemproxy.sh.
# Needs valgrind and nutcracker.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=${P:-1}
N=${N:-20000}
C=${C:-50}
TESTS=("$@")
[ ${#TESTS[@]} -gt 0 ] || TESTS=(get set)
command -v valgrind >/dev/null || { echo "twemproxy.sh: valgrind is not installed" >&2; exit 1; }
WORK=$(mktemp -d)
. "$ROOT/bench/twemproxy.sh"
cleanup() {
  stop_twemproxy
  rm -rf "$WORK"
}
trap cleanup EXIT
start_twemproxy "$WORK" valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.%p" --log-file="$WORK/valgrind.log"
bench() { redis-benchmark -q -p 17960 -c "$C" -P "$P" -d 64 -r 100000 "$@" >/dev/null 2>&1; }
for t in "${TESTS[@]}"; do bench -n "$N" -t "$t"; done
measure() {
  callgrind_control -z "$TWEMPROXY" >/dev/null 2>&1
  bench -n "$2" -t "$1"
  callgrind_control -d "$1-$2" "$TWEMPROXY" >/dev/null 2>&1
  sed -n 's/^totals: *//p' "$(ls -t "$WORK"/cg.*.* | head -1)"
}
for r in $(seq "${REPS:-2}"); do for t in "${TESTS[@]}"; do
  small=$(measure "$t" $((N / 4)))
  big=$(measure "$t" "$N")
  echo "twemproxy $t -P $P: $(( (big - small) / (N - N / 4) )) instructions per request"
done; done
