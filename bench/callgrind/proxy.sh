#!/usr/bin/env bash
# Instructions per request of the whole proxy process (Node, V8's JIT code, libuv, the addon: user
# space only, the kernel is not counted) under callgrind, for redis-benchmark rows through it in
# front of a local 3-master cluster. Counts, unlike wall-clock or /proc CPU, do not move with what
# else runs on the machine: after the warm-up two runs of one build differ by about 1%.
#   bench/callgrind/proxy.sh [TEST...]          (default: set get; any redis-benchmark -t name)
# Environment: DIR a built checkout to measure (default this one); P pipeline (1); N requests
# per measured run (20000; each test is measured twice); WARM requests of each test before, twice
# (20000: V8 has optimised the hot path by then);
# C clients (50); BARGS more redis-benchmark arguments (e.g. `--user app -a secret`, with
# AENV=SLOTPROXY_USERS_FILE=...: a user with key patterns, whose commands take the slow path);
# KEEP a directory to keep the callgrind files in (for callgrind_annotate: the dump named TEST-N
# is the one to read);
# AENV extra environment for the proxy (VAR=value ...); NODEFLAGS node options (default
# --predictable --no-memory-reducer: V8 in one thread, its GC driven by allocation, not by time.
# With only --single-threaded, runs of one build still differed by up to 40%: the compiler and
# GC ran at times set by the clock, which under valgrind is another clock); REPS
# measurements of each test (3); compare builds by the lowest (what varies is added work:
# TurboFan recompiling something, a GC that falls in one run and not in another);
# with --perf-basic-prof the JIT symbols are kept in KEEP too (bench/callgrind/jit-names.py).
# Needs valgrind. Takes a few minutes: the proxy runs ~50 times slower under callgrind.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${DIR:-$ROOT}
P=${P:-1}
N=${N:-20000}
WARM=${WARM:-20000}
C=${C:-50}
PORT=${PORT:-$((17900 + RANDOM % 90))}
TESTS=("$@")
[ ${#TESTS[@]} -gt 0 ] || TESTS=(set get)
WORK=$(mktemp -d)
cd "$ROOT"
. "$ROOT/bench/local-cluster.sh"
start_cluster "$WORK"
PROXY=
cleanup() {
  [ -n "$PROXY" ] && kill -INT "$PROXY" 2>/dev/null && wait "$PROXY" 2>/dev/null
  kill -TERM $CLUSTER 2>/dev/null || true
  wait $CLUSTER 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$WORK"/cg.* "$KEEP"/ 2>/dev/null; cp /tmp/perf-"$PROXY".map "$KEEP"/ 2>/dev/null || true; fi
  rm -f /tmp/perf-"$PROXY".map
  rm -rf "$WORK"
}
trap cleanup EXIT
# What runs by the clock is set as if the proxy ran at its usual speed (it runs ~50 times slower
# here): a periodic refresh every 5 s would weigh 50 times more per request than it does, a 10 s
# request timeout would fire, and the slow log (10 ms) would take a varying share of requests,
# with a copy of each (that moved the count by up to 40% between runs).
(cd "$DIR" && SLOTPROXY_CLUSTER=$SEEDS SLOTPROXY_LOG_LEVEL=warn SLOTPROXY_REFRESH_MS=600000 \
  SLOTPROXY_REQUEST_TIMEOUT_MS=600000 SLOTPROXY_SLOWLOG_US=10000000 exec env ${AENV:-} \
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.%p" node ${NODEFLAGS:---predictable --no-memory-reducer} dist/bin/slotproxy.js --port "$PORT" 2>"$WORK/valgrind.log") &
PROXY=$!
wait_ping "$PORT"
bench() { redis-benchmark -q -p "$PORT" ${BARGS:-} -c "$C" -P "$P" -d 64 -r 100000 "$@" >/dev/null 2>&1; }
# two rounds of every test: switching between tests changes the shapes V8 optimised for (a
# reply of +OK, of a bulk string), and the first switch recompiles
for round in 1 2; do for t in "${TESTS[@]}"; do bench -n "$WARM" -t "$t"; done; done
# Instructions of one run of `n` requests of test `t`, in a dump named `t-n`.
measure() {
  callgrind_control -z "$PROXY" >/dev/null 2>&1
  bench -n "$2" -t "$1"
  callgrind_control -d "$1-$2" "$PROXY" >/dev/null 2>&1
  sed -n 's/^totals: *//p' "$(ls -t "$WORK"/cg.*.* | head -1)"
}
# Each run opens C connections (and redis-benchmark asks CONFIG GET on one): a run of N/4 is
# taken from a run of N to leave their cost out. Each test is measured REPS times (3), and the
# lowest is reported too (a forced full GC before each run made it worse: V8 then dropped
# compiled code and compiled it again within the run).
# With --perf-basic-prof in NODEFLAGS, each measurement also gets its "steady" count
# (jit-names.py: the proxy's JS, the addon, N-API and libuv), which runs of one build agree on
# within ~3%, where the totals move by thousands with a scavenge or a recompile in one run.
declare -A low lowSteady
for r in $(seq "${REPS:-3}"); do for t in "${TESTS[@]}"; do
  small=$(measure "$t" $((N / 4)))
  big=$(measure "$t" "$N")
  per=$(( (big - small) / (N - N / 4) ))
  steady=
  if [ -s "/tmp/perf-$PROXY.map" ]; then
    dumps=($(ls -t "$WORK"/cg.*.* | head -2))
    steady=$(python3 "$ROOT/bench/callgrind/jit-names.py" "/tmp/perf-$PROXY.map" "${dumps[0]}:$N" "${dumps[1]}:$((N / 4))" 0 | sed -n 's/^steady: \([0-9]*\).*/\1/p')
  fi
  echo "$t -P $P: $per instructions per request; $(( (small - (big - small) / 3) / C )) per connection${steady:+; steady $steady}"
  if [ -z "${low[$t]:-}" ] || [ "$per" -lt "${low[$t]}" ]; then low[$t]=$per; fi
  if [ -n "$steady" ] && { [ -z "${lowSteady[$t]:-}" ] || [ "$steady" -lt "${lowSteady[$t]}" ]; }; then lowSteady[$t]=$steady; fi
done; done
for t in "${TESTS[@]}"; do echo "lowest: $t -P $P: ${low[$t]} instructions per request${lowSteady[$t]:+; steady ${lowSteady[$t]}}"; done
