#!/usr/bin/env bash
# Stop everything up.sh started and remove its directory.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
[ -f "$CLUSTER_DIR/haproxy.pid" ] && kill "$(cat "$CLUSTER_DIR/haproxy.pid")" 2>/dev/null
for i in 1 2; do [ -f "$CLUSTER_DIR/sanfu$i.pid" ] && kill "$(cat "$CLUSTER_DIR/sanfu$i.pid")" 2>/dev/null; done
kill_node 1; kill_node 2
as_pg pg_autoctl stop --pgdata "$CLUSTER_DIR/monitor" --immediate >/dev/null 2>&1
pids=$(pgrep -f -- "$CLUSTER_DIR/monitor( |$)" || true)
[ -n "$pids" ] && kill -9 $pids 2>/dev/null
sleep 1
rm -rf "$CLUSTER_DIR"
echo "cluster stopped"
