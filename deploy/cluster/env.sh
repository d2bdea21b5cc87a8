# Shared settings of the cluster scripts (sourced, not run).
# Everything lives under CLUSTER_DIR; the ports can be moved if they are taken.
CLUSTER_DIR=${CLUSTER_DIR:-/tmp/sanfu-cluster}
PG_VERSION=${PG_VERSION:-15}
PGBIN=/usr/lib/postgresql/$PG_VERSION/bin
MONITOR_PORT=${MONITOR_PORT:-6000}
NODE_PORTS=(${NODE1_PORT:-6001} ${NODE2_PORT:-6002})
SANFU_PORTS=(${SANFU1_PORT:-18081} ${SANFU2_PORT:-18082})
PROXY_PORT=${PROXY_PORT:-18080}
SANFU_BIN=${SANFU_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/target/debug/sanfu}
export PATH="$PGBIN:$PATH"
# pg_autoctl keeps its configuration and state files under the XDG directories: inside the
# cluster's directory, so that down.sh leaves nothing behind for the next up.sh.
export XDG_CONFIG_HOME="$CLUSTER_DIR/xdg/config" XDG_DATA_HOME="$CLUSTER_DIR/xdg/data" XDG_RUNTIME_DIR="$CLUSTER_DIR/xdg/run"

# pg_autoctl and PostgreSQL refuse to run as root: as root, run them as the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- env PATH="$PATH" PG_CONFIG="$PGBIN/pg_config" \
    XDG_CONFIG_HOME="$XDG_CONFIG_HOME" XDG_DATA_HOME="$XDG_DATA_HOME" XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" "$@"; else "$@"; fi
}
monitor_uri() { echo "postgres://autoctl_node@127.0.0.1:$MONITOR_PORT/pg_auto_failover?sslmode=disable"; }

# Kill node N as a machine dies (kill -9): its pg_autoctl keeper with the keeper's children, and
# its postmaster (the backends die with the postmaster).
kill_node() {
  local pids pgid pid
  pids=$(pgrep -f -- "$CLUSTER_DIR/node$1( |$)" || true)
  # Any of them may be gone already (killed with its group a moment before): nothing here may
  # fail the calling script.
  for pid in $pids; do
    pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
    if [ -n "$pgid" ] && [ "$pgid" != "$$" ]; then kill -9 -- "-$pgid" 2>/dev/null || true; fi
    kill -9 "$pid" 2>/dev/null || true
  done
  return 0
}
# The node that takes writes now (1 or 2), or nothing.
primary_node() {
  for n in 1 2; do
    if [ "$(psql -h 127.0.0.1 -p "${NODE_PORTS[$((n-1))]}" -U postgres -d postgres -tAc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; then echo "$n"; return; fi
  done
}
show_state() { as_pg pg_autoctl show state --pgdata "$CLUSTER_DIR/monitor" 2>/dev/null; }
# Wait until the monitor reports node N in STATE (primary, secondary), at most SECONDS.
wait_state() {
  local n=$1 state=$2 limit=${3:-120}
  for _ in $(seq 1 "$limit"); do
    show_state | awk -F'|' -v n="node$n" -v s="$state" '{gsub(/ /,"",$1); gsub(/ /,"",$6); gsub(/ /,"",$7)} $1==n && $6==s && $7==s {ok=1} END {exit !ok}' && return 0
    sleep 1
  done
  echo "node$n did not reach $state within ${limit}s" >&2; show_state >&2; return 1
}
# Start node N's keeper again (after a crash): it rejoins as a standby.
start_node() { as_pg bash -c "setsid nohup pg_autoctl run --pgdata '$CLUSTER_DIR/node$1' >> '$CLUSTER_DIR/node$1.log' 2>&1 < /dev/null &"; }
database_url() { echo "postgres://postgres@127.0.0.1:${NODE_PORTS[0]},127.0.0.1:${NODE_PORTS[1]}/sanfu?target_session_attrs=read-write"; }
# Start Sanfu server I (1 or 2); extra arguments go to the command (demo or serve first).
start_sanfu() {
  local i=$1; shift
  # The log without one line per request (the chaos test makes many).
  DATABASE_URL="$(database_url)" RUST_LOG=${RUST_LOG:-info,sqlx=warn,access=warn} setsid nohup "$SANFU_BIN" "$@" --listen "127.0.0.1:${SANFU_PORTS[$((i-1))]}" \
    --tick-seconds 5 --lease-seconds 10 >> "$CLUSTER_DIR/sanfu$i.log" 2>&1 < /dev/null &
  echo $! > "$CLUSTER_DIR/sanfu$i.pid"
  disown $!
}
wait_http() {
  for _ in $(seq 1 "${2:-120}"); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "$1 did not answer" >&2; return 1
}
