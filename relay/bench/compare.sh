#!/usr/bin/env bash
# compare.sh runs the same relay-bench load against the seed-style Node ws
# broadcast server (ws-broadcast.js, -proto raw) and against our relay
# (-proto chat), one after the other on a fresh server process each time, and
# prints both and their ratio.
#
# Usage: relay/bench/compare.sh            (from anywhere inside the repository)
# It measures, for each server: idle (RSS per connection), fanout closed loop
# (the maximum deliveries/s), fanout open loop at half that maximum (latency
# at a sustainable rate), and storm (reconnect after a restart); and rooms
# for the relay alone (a broadcast server has no rooms).
#
# Knobs (environment): IDLE_N=5000 SUBS=1000 PUBS=4 WINDOW=16 DURATION=10s
#   ROOMS=500 MEMBERS=10 STORM_N=15000 (0 skips storm)
#   RELAY_PORT=18080 NODE_PORT=18090 OUT=DIR (keeps the JSON results there)
#   RELAY_IDLE_FLAGS, RELAY_FANOUT_FLAGS: the relay's flags for each measurement
# idle runs the relay with its default queue: the queue channel is allocated
# when a member joins (24 bytes a slot), so -queue 4096 alone costs ~96 KB per
# connection. fanout raises the rate limit (the default 10/s per connection
# would refuse the load) and the queue (the 1000 joins announced while the
# room fills must not drop a member as a slow consumer).
# Needs: go, node and npm (ws is installed into a temporary directory).
set -euo pipefail

IDLE_N=${IDLE_N:-5000}
SUBS=${SUBS:-1000}
PUBS=${PUBS:-4}
WINDOW=${WINDOW:-16}
DURATION=${DURATION:-10s}
ROOMS=${ROOMS:-500}
MEMBERS=${MEMBERS:-10}
STORM_N=${STORM_N:-15000}
RELAY_PORT=${RELAY_PORT:-18080}
NODE_PORT=${NODE_PORT:-18090}
RELAY_IDLE_FLAGS=${RELAY_IDLE_FLAGS:--max-conns 30000}
RELAY_FANOUT_FLAGS=${RELAY_FANOUT_FLAGS:--max-conns 30000 -rate 100000 -burst 100000 -queue 4096}

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
# shellcheck source=relay/bench/lib.sh
source "$root/relay/bench/lib.sh"
work=$(mktemp -d)
OUT=${OUT:-$work/results}
mkdir -p "$OUT"
server_pid=""
cleanup() {
	if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work/node" "$work/bin"
}
trap cleanup EXIT

# Both servers and the tool inherit the hard open-files limit.
ulimit -n "$(ulimit -Hn)"

echo "== building relay and relay-bench, installing ws" >&2
build_tools "$work/bin"
npm install --silent --no-audit --no-fund --prefix "$work/node" ws >&2
ws_version=$(node -p "require('$work/node/node_modules/ws/package.json').version")
# The Node server finds ws and its port here, also when storm starts it.
export NODE_PATH="$work/node/node_modules" PORT=$NODE_PORT


start_node() {
	NODE_PATH="$work/node/node_modules" PORT=$NODE_PORT node "$root/relay/bench/ws-broadcast.js" 2>>"$OUT/node.log" &
	server_pid=$!
	wait_port "$NODE_PORT"
}

# start_relay FLAGS: FLAGS is one word-split string.
start_relay() {
	# shellcheck disable=SC2086
	"$work/bin/relay" -addr "127.0.0.1:$RELAY_PORT" $1 -log-level warn 2>>"$OUT/relay.log" &
	server_pid=$!
	wait_port "$RELAY_PORT"
}

stop_server() {
	kill "$server_pid"
	wait "$server_pid" 2>/dev/null || true
	server_pid=""
}

# measure NAME START URL PROTO IDLE_FLAGS FANOUT_FLAGS SERVER_CMD: idle, then
# fanout closed and open loop, each on a fresh server started with START and
# its flags; then storm, which starts SERVER_CMD itself.
measure() {
	local name=$1 start=$2 url=$3 proto=$4
	echo "== $name: idle -n $IDLE_N" >&2
	$start "$5"
	"$work/bin/relay-bench" idle -url "$url" -proto "$proto" -pid "$server_pid" -n "$IDLE_N" -json >"$OUT/$name-idle.json"
	stop_server
	echo "== $name: fanout -subs $SUBS -pubs $PUBS -window $WINDOW -duration $DURATION" >&2
	$start "$6"
	"$work/bin/relay-bench" fanout -url "$url" -proto "$proto" -pid "$server_pid" -subs "$SUBS" -pubs "$PUBS" \
		-window "$WINDOW" -duration "$DURATION" -json >"$OUT/$name-fanout.json"
	stop_server
	# Half the closed-loop maximum, in messages per second over all publishers.
	local rate
	rate=$(node -p "const r = require('$OUT/$name-fanout.json'); Math.max(1, Math.round(r.deliveries_per_sec / (r.subs_per_room + r.pubs_per_room) / 2))")
	echo "== $name: fanout -rate $rate (half the maximum)" >&2
	$start "$6"
	"$work/bin/relay-bench" fanout -url "$url" -proto "$proto" -pid "$server_pid" -subs "$SUBS" -pubs "$PUBS" \
		-rate "$rate" -duration "$DURATION" -json >"$OUT/$name-open.json"
	stop_server
	if [[ $STORM_N -gt 0 ]]; then
		echo "== $name: storm -n $STORM_N" >&2
		"$work/bin/relay-bench" storm -url "$url" -proto "$proto" -n "$STORM_N" -server "$7" -json \
			>"$OUT/$name-storm.json" 2>>"$OUT/$name-storm.log"
	fi
}

measure node start_node "ws://127.0.0.1:$NODE_PORT/" raw "" "" "node $root/relay/bench/ws-broadcast.js"
measure relay start_relay "ws://127.0.0.1:$RELAY_PORT/ws" chat "$RELAY_IDLE_FLAGS" "$RELAY_FANOUT_FLAGS" \
	"$work/bin/relay -addr 127.0.0.1:$RELAY_PORT -max-conns 30000 -log-level warn"
echo "== relay: rooms -rooms $ROOMS -members $MEMBERS" >&2
start_relay "$RELAY_FANOUT_FLAGS"
"$work/bin/relay-bench" rooms -url "ws://127.0.0.1:$RELAY_PORT/ws" -pid "$server_pid" -rooms "$ROOMS" -members "$MEMBERS" \
	-window "$WINDOW" -duration "$DURATION" -json >"$OUT/relay-rooms.json"
stop_server

echo "== results (JSON in $OUT)" >&2
OUT=$OUT WS_VERSION=$ws_version node - <<'JS'
const fs = require('fs');
const r = (n) => JSON.parse(fs.readFileSync(`${process.env.OUT}/${n}.json`, 'utf8'));
const [ni, nf, no, ri, rf, ro, rr] = ['node-idle', 'node-fanout', 'node-open', 'relay-idle', 'relay-fanout', 'relay-open', 'relay-rooms'].map(r);
const storm = fs.existsSync(`${process.env.OUT}/relay-storm.json`) ? ['node-storm', 'relay-storm'].map(r) : null;
const row = (label, ours, node, digits, better) => {
  const ratio = ours / node;
  console.log(`| ${label} | ${ours.toFixed(digits)} | ${node.toFixed(digits)} | ${ratio.toFixed(2)}× (${better}) |`);
};
const lat = (l) => `${l.p50.toFixed(1)} / ${l.p99.toFixed(1)} / ${l.p999.toFixed(1)} / ${l.max.toFixed(1)}`;
console.log(`machine: ${require('os').cpus().length} CPUs, ${(require('os').totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}, ws ${process.env.WS_VERSION}`);
console.log(`idle: ${ri.conns} relay / ${ni.conns} node connections; fanout: ${rf.subs_per_room} subscribers + ${rf.pubs_per_room} publishers, window ${rf.window}, ${rf.duration_seconds.toFixed(1)}s`);
console.log('');
console.log('| metric | our relay (chat) | Node ws (raw) | ours / Node |');
console.log('|---|---|---|---|');
row('idle RSS per connection, KB', ri.rss_per_conn_kb, ni.rss_per_conn_kb, 2, 'lower is better');
row('fanout deliveries/s (closed loop)', rf.deliveries_per_sec, nf.deliveries_per_sec, 0, 'higher is better');
row('fanout p99 latency, ms (closed loop: queueing)', rf.latency_ms.p99, nf.latency_ms.p99, 2, 'lower is better');
row('server CPU s per million deliveries', rf.server_cpu_seconds_per_million_deliveries, nf.server_cpu_seconds_per_million_deliveries, 2, 'lower is better');
console.log(`| client (relay-bench) CPU s during fanout | ${rf.client_cpu_seconds.toFixed(2)} | ${nf.client_cpu_seconds.toFixed(2)} | |`);
console.log(`| fanout lost / duplicate | ${rf.lost} / ${rf.duplicates} | ${nf.lost} / ${nf.duplicates} | |`);
console.log(`| open loop at half the maximum: msg/s | ${ro.rate} | ${no.rate} | |`);
console.log(`| open loop p50 / p99 / p99.9 / max, ms (from the scheduled send) | ${lat(ro.latency_ms)} | ${lat(no.latency_ms)} | |`);
console.log(`| open loop relay-bench send lag p50 / p99 / p99.9 / max, ms | ${lat(ro.send_lag_ms)} | ${lat(no.send_lag_ms)} | |`);
console.log(`| open loop server CPU s per million deliveries | ${ro.server_cpu_seconds_per_million_deliveries.toFixed(2)} | ${no.server_cpu_seconds_per_million_deliveries.toFixed(2)} | |`);
console.log(`| open loop lost / duplicate | ${ro.lost} / ${ro.duplicates} | ${no.lost} / ${no.duplicates} | |`);
console.log(`| rooms ${rr.rooms} × ${rr.subs_per_room + rr.pubs_per_room}: deliveries/s, p99 ms | ${rr.deliveries_per_sec.toFixed(0)}, ${rr.latency_ms.p99.toFixed(1)} | n/a (no rooms) | |`);
if (storm) {
  const [ns, rs] = storm;
  console.log(`| storm ${rs.conns}: all back after restart, s | ${rs.all_back_seconds.toFixed(2)} | ${ns.all_back_seconds.toFixed(2)} | |`);
  console.log(`| storm: restarted server's peak RSS, MB | ${(rs.restart_peak_rss_kb / 1024).toFixed(0)} | ${(ns.restart_peak_rss_kb / 1024).toFixed(0)} | |`);
}
JS
