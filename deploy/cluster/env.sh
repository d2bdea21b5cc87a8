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

# pg_autoctl and PostgreSQL refuse to run as root: as root, run them as the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- env PATH="$PATH" PG_CONFIG="$PGBIN/pg_config" "$@"; else "$@"; fi
}
monitor_uri() { echo "postgres://autoctl_node@127.0.0.1:$MONITOR_PORT/pg_auto_failover?sslmode=disable"; }
