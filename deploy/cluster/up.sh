#!/usr/bin/env bash
# Build on this machine the cluster Sanfu runs on when one machine is not enough:
#   a pg_auto_failover monitor and two PostgreSQL nodes (a primary and a synchronous standby
#   that is promoted when the primary dies), two Sanfu servers on the nodes' multi-host URL,
#   and haproxy in front of the two servers.
# Ports (env.sh): monitor 6000, nodes 6001 and 6002, Sanfu 18081 and 18082, haproxy 18080.
# Needs Debian's postgresql-15-auto-failover, pg-auto-failover-cli and haproxy (installed here
# when run as root and missing) and a built sanfu (SANFU_BIN, default target/debug/sanfu).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"

if ! command -v pg_autoctl >/dev/null || ! command -v haproxy >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing pg_auto_failover and haproxy from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "postgresql-$PG_VERSION-auto-failover" pg-auto-failover-cli haproxy >/dev/null
  else
    echo "pg_autoctl or haproxy is missing: apt-get install postgresql-$PG_VERSION-auto-failover pg-auto-failover-cli haproxy" >&2
    exit 2
  fi
fi
[ -x "$SANFU_BIN" ] || { echo "no sanfu at $SANFU_BIN (cargo build --bin sanfu)" >&2; exit 2; }

"$here/down.sh" >/dev/null 2>&1 || true
mkdir -p "$CLUSTER_DIR"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
touch "$CLUSTER_DIR"/{monitor,node1,node2}.log
chown -R postgres "$CLUSTER_DIR" 2>/dev/null || true
cd "$CLUSTER_DIR"

echo "== monitor on $MONITOR_PORT"
as_pg pg_autoctl create monitor --pgdata "$CLUSTER_DIR/monitor" --pgport "$MONITOR_PORT" --hostname 127.0.0.1 \
  --auth trust --no-ssl > "$CLUSTER_DIR/monitor.log" 2>&1
as_pg bash -c "setsid nohup pg_autoctl run --pgdata '$CLUSTER_DIR/monitor' >> '$CLUSTER_DIR/monitor.log' 2>&1 < /dev/null &"
for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p "$MONITOR_PORT" && break; sleep 1; done
# Fail over within seconds rather than the default twenty: the monitor checks every second and
# calls a node unhealthy after five seconds without an answer.
psql -q -h 127.0.0.1 -p "$MONITOR_PORT" -U postgres -d pg_auto_failover <<'SQL'
ALTER SYSTEM SET pgautofailover.health_check_period = '1s';
ALTER SYSTEM SET pgautofailover.health_check_timeout = '1s';
ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1;
ALTER SYSTEM SET pgautofailover.health_check_retry_delay = '1s';
ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = '5s';
SELECT pg_reload_conf();
SQL

for n in 1 2; do
  port=${NODE_PORTS[$((n-1))]}
  echo "== node$n on $port"
  as_pg bash -c "setsid nohup pg_autoctl create postgres --pgdata '$CLUSTER_DIR/node$n' --pgport $port --hostname 127.0.0.1 \
    --name node$n --auth trust --no-ssl --dbname sanfu --monitor '$(monitor_uri)' --run >> '$CLUSTER_DIR/node$n.log' 2>&1 < /dev/null &"
  if [ "$n" = 1 ]; then
    wait_state 1 single 120
    # A standby is made by pg_basebackup, which pg_autoctl runs without --checkpoint=fast: it
    # waited 94 s for the primary's checkpoint, spread over most of checkpoint_timeout. Checkpoints
    # written at once (the setting is copied to the standby with the rest of the data directory).
    psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -c "ALTER SYSTEM SET checkpoint_completion_target = 0" -c "SELECT pg_reload_conf()" >/dev/null
  else
    wait_state 2 secondary 180
  fi
done
wait_state 1 primary 60
show_state

echo "== Sanfu on ${SANFU_PORTS[*]} (the first one makes the demo city)"
start_sanfu 1 demo
wait_http "http://127.0.0.1:${SANFU_PORTS[0]}/healthz" 600
start_sanfu 2 serve
wait_http "http://127.0.0.1:${SANFU_PORTS[1]}/healthz" 120

echo "== haproxy on $PROXY_PORT"
cat > "$CLUSTER_DIR/haproxy.cfg" <<CFG
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A request that could not be sent to one server goes to the other (nothing was done).
    retries 2
    option redispatch
frontend sanfu
    bind 127.0.0.1:$PROXY_PORT
    default_backend servers
backend servers
    balance roundrobin
    option httpchk GET /healthz
    default-server inter 1s fall 2 rise 1
    server sanfu1 127.0.0.1:${SANFU_PORTS[0]} check
    server sanfu2 127.0.0.1:${SANFU_PORTS[1]} check
CFG
haproxy -f "$CLUSTER_DIR/haproxy.cfg" -D -p "$CLUSTER_DIR/haproxy.pid"
wait_http "http://127.0.0.1:$PROXY_PORT/healthz" 30
echo "ready: http://127.0.0.1:$PROXY_PORT  (DATABASE_URL=$(database_url))"
