#!/usr/bin/env bash
# The chaos test, on the cluster up.sh builds: intake load through haproxy while, ROUNDS times
# (default 10), the primary PostgreSQL is killed with kill -9 (its pg_autoctl keeper with it, as
# when its machine dies), one Sanfu server is killed and started again, and — once the first
# node has rejoined as the standby — the other PostgreSQL, now the primary, is killed too.
# Then every acknowledged order is looked up in the database: lost and duplicate orders must be 0.
# Prints one line of figures (JSON) and exits non-zero if an order was lost or stored twice.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
ROUNDS=${ROUNDS:-10}
out="$CLUSTER_DIR/chaos"
rm -rf "$out"; mkdir -p "$out"
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }

"$SANFU_BIN" bench chaos-load --url "http://127.0.0.1:$PROXY_PORT" --clients "${CLIENTS:-8}" \
  --out "$out/acked.tsv" --stop "$out/stop" > "$out/load.json" 2> "$out/load.log" &
load=$!
trap 'touch "$out/stop"; kill $load 2>/dev/null || true' EXIT
sleep 5

# Kill the primary node, wait for the other to take writes, start the killed one again and wait
# until it is the standby. Sets `took`: the seconds until a primary took writes again.
fail_over() {
  local p s t0
  p=$(primary_node); [ -n "$p" ] || { echo "no primary" >&2; show_state >&2; return 1; }
  s=$((3 - p))
  t0=$(now)
  kill_node "$p"
  for _ in $(seq 1 600); do [ "$(primary_node)" = "$s" ] && break; sleep 0.2; done
  [ "$(primary_node)" = "$s" ] || { echo "node$s was not promoted" >&2; show_state >&2; return 1; }
  took=$(since "$t0")
  start_node "$p"
  wait_state "$p" secondary 300
  wait_state "$s" primary 60
}

longest_failover=0
t_start=$(now)
for round in $(seq 1 "$ROUNDS"); do
  fail_over; a=$took
  i=$(( (round % 2) + 1 ))
  kill -9 "$(cat "$CLUSTER_DIR/sanfu$i.pid")" 2>/dev/null || true
  sleep 1
  start_sanfu "$i" serve
  wait_http "http://127.0.0.1:${SANFU_PORTS[$((i-1))]}/healthz" 120
  fail_over; b=$took
  longest_failover=$(max "$(max "$a" "$b")" "$longest_failover")
  echo "round $round: primary back after ${a}s and ${b}s; sanfu$i killed and restarted; $(wc -l < "$out/acked.tsv") orders acknowledged so far" >&2
done
sleep 3
touch "$out/stop"
wait "$load"
load_json=$(cat "$out/load.json")
check_json=$(DATABASE_URL="$(database_url)" "$SANFU_BIN" bench chaos-check --acked "$out/acked.tsv")
echo "{\"rounds\": $ROUNDS, \"seconds\": $(since "$t_start"), \"longest_failover_s\": $longest_failover, \"load\": $load_json, \"check\": $check_json}"
lost=$(echo "$check_json" | sed -E 's/.*"lost":([0-9]+).*/\1/')
dups=$(echo "$check_json" | sed -E 's/.*"duplicates":([0-9]+).*/\1/')
[ "$lost" = 0 ] && [ "$dups" = 0 ]
