# Sourced by the bench scripts. wait_ping PORT... waits until a server answers PING on each port,
# 120 s at most (a proxy under valgrind starts ~50 times slower): a port another process holds, or
# a server that died at start, fails the script instead of leaving it polling for ever (and
# redis-benchmark is never pointed at a port nobody listens on: it would retry for ever too).
wait_ping() {
  local port tries
  for port in "$@"; do
    tries=0
    until redis-cli -p "$port" ping >/dev/null 2>&1; do
      tries=$((tries + 1))
      if [ "$tries" -ge 600 ]; then
        echo "nothing answered PING on 127.0.0.1:$port within 120 s (port taken, or the server died: see its log)" >&2
        return 1
      fi
      sleep 0.2
    done
  done
}
