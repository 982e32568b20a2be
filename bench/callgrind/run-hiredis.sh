#!/usr/bin/env bash
# Instructions per reply of hiredis 1.x's reader alone (callbacks that do nothing), on the streams
# of run.sh's reply rows: the measurement behind the choice of RespFramer over hiredis (comment at
# the top of native/reply_scanner.h). hiredis 1.x's source comes from the npm registry, in the
# package redis-fast-driver (the newest a registry ships as source; Debian 12 has only 0.14,
# which reads no RESP3); nothing is installed.
# Needs valgrind, gcc, g++ and npm.
#   bench/callgrind/run-hiredis.sh [PACKAGE@VERSION]   (redis-fast-driver@2.2.6: hiredis 1.2.0)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pkg=${1:-redis-fast-driver@2.2.6}
(cd "$WORK" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz)
H=$WORK/package/deps/hiredis
echo "hiredis $(sed -n 's/#define HIREDIS_\(MAJOR\|MINOR\|PATCH\) //p' "$H/hiredis.h" | paste -sd.) from $pkg"
for c in read sds alloc; do gcc -O3 -c "$H/$c.c" -I"$H" -o "$WORK/$c.o"; done
g++ -std=c++17 -O3 -I"$H" -I"$ROOT/bench/callgrind" "$ROOT/bench/callgrind/hiredis-reader.cc" "$WORK"/{read,sds,alloc}.o -o "$WORK/harness"
refs() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | sed -n 's/.*refs: *//p' | tr -d ,; }
for kind in $("$WORK/harness" list); do
  if ! err=$("$WORK/harness" "$kind" 1 2>&1 >/dev/null); then
    echo "reply $kind: not read ($err)"
    continue
  fi
  none=$(refs "$WORK/harness" "$kind" 0)
  five=$(refs "$WORK/harness" "$kind" 5)
  n=$("$WORK/harness" "$kind" 5 | sed -n 's/.* \([0-9]*\) scanned/\1/p')
  echo "reply $kind: $(( (five - none) / n )) instructions per reply"
done
