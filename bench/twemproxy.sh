# Sourced by bench/peer-ab.sh and bench/callgrind/twemproxy.sh: the same-run peer, twemproxy
# (Debian's nutcracker), in front of 3 standalone redis-servers (crc16, modula: it does not speak
# Redis Cluster; bench/peer.ts says what that favours).
#   start_twemproxy WORK [WRAPPER...]   masters on 17950-17952, twemproxy on 17960 (stats 17961),
#                                        run under WRAPPER (e.g. valgrind ...) when given
# Sets TWEMPROXY (its process) and TW_MASTERS; stop_twemproxy ends them.
. "$(dirname "${BASH_SOURCE[0]}")/server-runs.sh"
TW_MASTERS=()
TWEMPROXY=
need_nutcracker() {
  command -v nutcracker >/dev/null || { echo "nutcracker is not installed (apt-get install nutcracker)" >&2; return 1; }
}
start_twemproxy() {
  local work=$1
  shift
  need_nutcracker || return 1
  for i in 0 1 2; do
    redis-server --port $((17950 + i)) --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null 2>&1 &
    TW_MASTERS+=($!)
  done
  cat > "$work/nutcracker.yml" <<EOC
bench:
  listen: 127.0.0.1:17960
  hash: crc16
  distribution: modula
  redis: true
  preconnect: true
  server_connections: 1
  servers:
    - 127.0.0.1:17950:1
    - 127.0.0.1:17951:1
    - 127.0.0.1:17952:1
EOC
  wait_ping 17950 17951 17952 || return 1
  # (the stats port binds 0.0.0.0 unless told)
  "$@" nutcracker -c "$work/nutcracker.yml" -s 17961 -a 127.0.0.1 -o "$work/nutcracker.log" &
  TWEMPROXY=$!
  # never point redis-benchmark at a port nobody listens on: it retries forever
  wait_ping 17960 || return 1
}
stop_twemproxy() {
  [ -n "$TWEMPROXY" ] && { kill -TERM $TWEMPROXY 2>/dev/null || true; wait $TWEMPROXY 2>/dev/null || true; }
  for m in "${TW_MASTERS[@]}"; do kill -TERM $m 2>/dev/null || true; wait $m 2>/dev/null || true; done
  TWEMPROXY=
  TW_MASTERS=()
}
