#!/usr/bin/env bash
# Instructions per command of the native request scanner (callgrind), for GET, SET of 64 B and
# MGET of 100 keys: (instructions of 5 passes over 1 MiB - instructions of none) / commands.
# (Outside Node on purpose: through Node, V8's tier-up timing moved the count by 20-30% between
# runs of the same build.)
# Needs valgrind and g++. Compare a change by running this before and after it.
#   bench/callgrind/run.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
node "$ROOT/native/fuzz/gen-command-table.js" "$WORK/command_rows.h" "$WORK/dict" >/dev/null
g++ -std=c++17 -O3 -I"$ROOT/native" -I"$ROOT/native/fuzz" -I"$WORK" "$ROOT/bench/callgrind/scanner-harness.cc" \
  "$ROOT/native/request_scanner.cc" "$ROOT/native/command_table.cc" "$ROOT/native/crc16.cc" -o "$WORK/harness"
refs() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$WORK/harness" "$@" 2>&1 | sed -n 's/.*refs: *//p' | tr -d ,; }
for kind in get set mget; do
  none=$(refs "$kind" 0)
  five=$(refs "$kind" 5)
  n=$("$WORK/harness" "$kind" 5 | sed -n 's/.* \([0-9]*\) scanned/\1/p')
  echo "$kind: $(( (five - none) / n )) instructions per command"
done
