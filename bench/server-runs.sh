# Sourced by the bench scripts (through local-cluster.sh and twemproxy.sh): waiting for a server,
# and a timed run against one.
# wait_ping PORT... waits until a server answers PING on each port, 120 s at most (a proxy under
# valgrind starts ~50 times slower): a port another process holds, or a server that died at
# start, fails the script instead of leaving it polling for ever (and redis-benchmark is never
# pointed at a port nobody listens on: it would retry for ever too).
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

# timed_run PORT PID ARGS... runs redis-benchmark ARGS against PORT and prints "req/s user-ticks
# kernel-ticks": its rate and the CPU process PID (the proxy behind PORT) spent meanwhile, in clock
# ticks (10 ms) from /proc.
timed_run() {
  local port=$1 pid=$2 c0 c1 r
  shift 2
  c0=($(awk '{print $14" "$15}' "/proc/$pid/stat"))
  r=$(redis-benchmark -q -p "$port" "$@" 2>&1 | tr '\r' '\n' | grep "per second" | awk '{for(i=1;i<=NF;i++) if($i=="requests") print $(i-1)}')
  c1=($(awk '{print $14" "$15}' "/proc/$pid/stat"))
  echo "$r $((c1[0] - c0[0])) $((c1[1] - c0[1]))"
}
