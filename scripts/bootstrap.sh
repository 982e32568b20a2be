#!/usr/bin/env bash
# Prepares a fresh Debian/Ubuntu machine with Node 20 for slotproxy: installs the Redis server
# and tools (the tests and --demo start local clusters) and a C++ toolchain for the native
# scanners (which need no library beyond libc and libstdc++), then installs the npm
# dependencies, builds the addon and compiles.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# The fuzz test (test/unit/fuzz/) builds libFuzzer targets of the scanners with CMake and clang.
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v clang++ >/dev/null 2>&1 || need+=(clang)
dpkg -s libclang-rt-14-dev >/dev/null 2>&1 || need+=(libclang-rt-14-dev)
# The bench compares slotproxy with twemproxy, a C proxy (bench/peer.ts); its smoke test runs it.
command -v nutcracker >/dev/null 2>&1 || need+=(nutcracker)
# The client compatibility suite drives redis-py (Debian's python3-redis) with Debian's python3.
/usr/bin/python3 -c 'import redis' >/dev/null 2>&1 || need+=(python3-redis)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "bootstrap: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Debian's packages start a redis-server on 6379 and a nutcracker where systemd runs; slotproxy
# and its tests never use them.
npm ci --no-audit --no-fund
