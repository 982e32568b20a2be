#!/usr/bin/env bash
# Instructions per command of the native request scanner (callgrind), for GET, SET of 64 B and
# MGET of 100 keys, and per reply of the native reply scanner, for the RESP2 replies of the hot
# path and the RESP3 ones Redis 7.0 sends (bench/callgrind/reply_streams.h):
# (instructions of 5 passes over 1 MiB - instructions of none) / commands or replies.
# (Outside Node on purpose: through Node, V8's tier-up timing moved the count by 20-30% between
# runs of the same build.)
# Needs valgrind and g++. Compare a change by running this before and after it.
#   bench/callgrind/run.sh [requests|replies]     (both by default)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
what=${1:-all}
refs() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | sed -n 's/.*refs: *//p' | tr -d ,; }
# per_item HARNESS KIND: instructions per item the harness scanned
per_item() {
  local none five n
  none=$(refs "$1" "$2" 0)
  five=$(refs "$1" "$2" 5)
  n=$("$1" "$2" 5 | sed -n 's/.* \([0-9]*\) scanned/\1/p')
  echo $(( (five - none) / n ))
}
if [ "$what" != replies ]; then
  node "$ROOT/native/fuzz/gen-command-table.js" "$WORK/command_rows.h" "$WORK/dict" >/dev/null
  g++ -std=c++17 -O3 -I"$ROOT/native" -I"$ROOT/native/fuzz" -I"$WORK" "$ROOT/bench/callgrind/scanner-harness.cc" \
    "$ROOT/native/request_scanner.cc" "$ROOT/native/command_table.cc" "$ROOT/native/crc16.cc" -o "$WORK/harness"
  for kind in get set mget; do echo "$kind: $(per_item "$WORK/harness" "$kind") instructions per command"; done
fi
if [ "$what" != requests ]; then
  g++ -std=c++17 -O3 -I"$ROOT/native" -I"$ROOT/bench/callgrind" "$ROOT/bench/callgrind/reply-harness.cc" \
    "$ROOT/native/reply_scanner.cc" "$ROOT/native/resp_framer.cc" -o "$WORK/reply-harness"
  for kind in $("$WORK/reply-harness" list); do echo "reply $kind: $(per_item "$WORK/reply-harness" "$kind") instructions per reply"; done
fi
