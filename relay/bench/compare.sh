#!/usr/bin/env bash
# compare.sh runs the same relay-bench loads against three servers, one after
# the other on a fresh server process each time, and prints one table:
#   - our relay (-proto chat),
#   - the seeds' own stack: a Socket.IO 4 chat server with rooms
#     (socketio-chat.js, -proto socketio, WebSocket transport),
#   - the seed-style Node ws broadcast server (ws-broadcast.js, -proto raw).
#
# Usage: relay/bench/compare.sh            (from anywhere inside the repository)
# For each server: idle (RSS per connection); fanout closed loop with 4 and
# with 16 messages in flight per publisher (the maximum deliveries/s: batching
# grows with what is in flight); fanout open loop at half the server's own
# maximum and at the SAME offered load for every server (half of Node ws's
# maximum), for latency at a sustainable rate; storm (reconnect after a
# restart). Rooms for the relay and Socket.IO (a broadcast server has none).
# And one row with the relay's default flags, at an offered load its default
# rate limit allows. Every fanout row gives deliveries/s, frames/s (the
# WebSocket messages the members read, i.e. the server's writes), deliveries
# per frame (batching) and server CPU per delivery.
#
# Knobs (environment): IDLE_N=5000 SUBS=1000 PUBS=4 DURATION=10s
#   ROOMS=500 MEMBERS=10 STORM_N=15000 (0 skips storm) DEFAULT_RATE=32
#   RELAY_PORT=18080 NODE_PORT=18090 SIO_PORT=18100 OUT=DIR (keeps the JSON there)
#   RELAY_IDLE_FLAGS, RELAY_FANOUT_FLAGS: the relay's flags for each measurement
#   RELAY_BIN: a relay binary to measure instead of building this checkout's
#   (to alternate a before and an after build on a shared machine)
#   SAME_PIN=1: in the same-offered-load row, every server runs on CPU
#   SERVER_CPU=0 and relay-bench on TOOL_CPU=1 (taskset; 0 or one CPU: no
#   pinning). The other rows are not pinned.
#   SAME_WARMUP=3s: before the same-offered-load row, a run of this long at
#   the same rate on the same server process (0 skips): every server is
#   measured warm. Node's first bunches after a start run before V8 has
#   optimized its code and arrive about twice as late as the rest; one such
#   bunch is about 1 % of a 10 s run's deliveries, so it decided whether
#   Node ws's p99 came out near 50 or near 90 ms.
#   The same-offered-load row gives two latencies (Linux): "latency" (due →
#   read by relay-bench, as before) and "latency to the socket" (due → the
#   kernel's receive timestamp of the data that completed the frame: when
#   the server's write reached the member's socket, without relay-bench's
#   own reading queue), each with its ratios to Socket.IO and Node ws; and
#   the latter's lower bound (a stamp can only be late: see relay-bench).
#   ONLY=same: run only the same-offered-load row (Node ws, Socket.IO, the
#   relay); with SAME_RATE=N at N msg/s, without it after measuring Node ws's
#   maximum. SERVERS="node socketio relay" picks the servers of that row.
# Why pin: on a 2-core machine relay-bench's 1000 readers and the server take
# the same CPUs, so a burst's deliveries are spread by the tool's own work as
# much as by the server's. With the server on one core and the tool on the
# other, each server gets the same single core and the tool's reading runs
# beside it, not in front of it.
# idle runs the relay with its default queue: the queue channel is allocated
# when a member joins (24 bytes a slot), so -queue 4096 alone costs ~96 KB per
# connection. fanout raises the rate limit (the default 10/s per connection
# would refuse the load) and the queue (the 1000 joins announced while the
# room fills must not drop a member as a slow consumer). Both lift the
# per-address limits (PER_IP_FLAGS): every client is on 127.0.0.1.
# Needs: go, node and npm (ws and socket.io are installed into a temporary
# directory).
set -euo pipefail

IDLE_N=${IDLE_N:-5000}
SUBS=${SUBS:-1000}
PUBS=${PUBS:-4}
DURATION=${DURATION:-10s}
ROOMS=${ROOMS:-500}
MEMBERS=${MEMBERS:-10}
STORM_N=${STORM_N:-15000}
RELAY_PORT=${RELAY_PORT:-18080}
NODE_PORT=${NODE_PORT:-18090}
SIO_PORT=${SIO_PORT:-18100}
DEFAULT_RATE=${DEFAULT_RATE:-32}
SAME_PIN=${SAME_PIN:-1}
SAME_WARMUP=${SAME_WARMUP:-3s}
SERVER_CPU=${SERVER_CPU:-0}
TOOL_CPU=${TOOL_CPU:-1}
ONLY=${ONLY:-}
SERVERS=${SERVERS:-node socketio relay}
if [[ -n $ONLY && $ONLY != same ]]; then echo "ONLY=$ONLY: only ONLY=same is known" >&2; exit 2; fi
if [[ $(nproc) -lt 2 ]]; then SAME_PIN=0; fi
# tool_pin prefixes relay-bench's command as lib.sh's server_pin does the
# server's: empty, or taskset for the pinned row.
tool_pin=()
# Every connection of relay-bench comes from 127.0.0.1: the relay's
# per-address limits (256 connections, 20 handshakes/s) are lifted so that
# the load measures the relay, not its defence.
PER_IP_FLAGS="-max-conns-per-ip 0 -handshakes-per-ip 0"
RELAY_IDLE_FLAGS=${RELAY_IDLE_FLAGS:--max-conns 30000 $PER_IP_FLAGS}
RELAY_FANOUT_FLAGS=${RELAY_FANOUT_FLAGS:--max-conns 30000 -rate 100000 -burst 100000 -queue 4096 $PER_IP_FLAGS}

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
# shellcheck source=relay/bench/lib.sh
source "$root/relay/bench/lib.sh"
work=$(mktemp -d)
OUT=${OUT:-$work/results}
mkdir -p "$OUT"
cleanup() {
	if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work/node" "$work/bin"
}
trap cleanup EXIT

# Both servers and the tool inherit the hard open-files limit.
ulimit -n "$(ulimit -Hn)"

echo "== building relay and relay-bench, installing ws and socket.io" >&2
build_tools "$work/bin"
if [[ -n ${RELAY_BIN:-} ]]; then cp "$RELAY_BIN" "$work/bin/relay"; fi
npm install --silent --no-audit --no-fund --prefix "$work/node" ws socket.io >&2
ws_version=$(node -p "require('$work/node/node_modules/ws/package.json').version")
sio_version=$(node -p "require('$work/node/node_modules/socket.io/package.json').version")
# The Node servers find their packages here, also when storm starts them.
export NODE_PATH="$work/node/node_modules"


# fanout NAME START URL PROTO FLAGS OUTNAME ARGS...: one fanout run on a
# fresh server; with WARMUP set, after a run of that long with the same
# ARGS on the same server (its report kept as OUTNAME-warmup).
fanout() {
	local name=$1 start=$2 url=$3 proto=$4 flags=$5 out=$6
	shift 6
	echo "== $name: fanout $* ($out)" >&2
	$start "$flags"
	if [[ -n ${WARMUP:-} && ${WARMUP:-} != 0 ]]; then
		"${tool_pin[@]}" "$work/bin/relay-bench" fanout -url "$url" -proto "$proto" -pid "$server_pid" -subs "$SUBS" -pubs "$PUBS" \
			"$@" -duration "$WARMUP" -drain 1s -json >"$OUT/$name-$out-warmup.json"
	fi
	"${tool_pin[@]}" "$work/bin/relay-bench" fanout -url "$url" -proto "$proto" -pid "$server_pid" -subs "$SUBS" -pubs "$PUBS" \
		-duration "$DURATION" "$@" -json >"$OUT/$name-$out.json"
	stop_server
}

# same NAME START URL PROTO FLAGS: the open loop at $SAME_RATE, pinned when
# SAME_PIN=1 (the server on SERVER_CPU, relay-bench on TOOL_CPU), after a
# warm-up of SAME_WARMUP.
same() {
	if [[ $SAME_PIN == 1 ]]; then
		server_pin=(taskset -c "$SERVER_CPU") tool_pin=(taskset -c "$TOOL_CPU")
	fi
	WARMUP=$SAME_WARMUP fanout "$@" same -rate "$SAME_RATE"
	server_pin=() tool_pin=()
}

# half NAME: half the closed-loop maximum (16 in flight) of NAME, in
# messages per second over all publishers.
half() {
	node -p "const r = require('$OUT/$1-w16.json'); Math.max(1, Math.round(r.deliveries_per_sec / (r.subs_per_room + r.pubs_per_room) / 2))"
}

# measure NAME START URL PROTO IDLE_FLAGS FANOUT_FLAGS SERVER_CMD: idle, then
# fanout closed loop (4 and 16 in flight), open loop at half its own maximum
# and at the same offered load as every server ($SAME_RATE, once known),
# each on a fresh server started with START and its flags; then storm,
# which starts SERVER_CMD itself.
measure() {
	local name=$1 start=$2 url=$3 proto=$4
	echo "== $name: idle -n $IDLE_N" >&2
	$start "$5"
	"$work/bin/relay-bench" idle -url "$url" -proto "$proto" -pid "$server_pid" -n "$IDLE_N" -json >"$OUT/$name-idle.json"
	stop_server
	fanout "$name" "$start" "$url" "$proto" "$6" w4 -window 4
	fanout "$name" "$start" "$url" "$proto" "$6" w16 -window 16
	fanout "$name" "$start" "$url" "$proto" "$6" open -rate "$(half "$name")"
	SAME_RATE=${SAME_RATE:-$(half "$name")} # the first server measured is Node ws
	same "$name" "$start" "$url" "$proto" "$6"
	if [[ $STORM_N -gt 0 ]]; then
		echo "== $name: storm -n $STORM_N" >&2
		"$work/bin/relay-bench" storm -url "$url" -proto "$proto" -n "$STORM_N" -server "$7" -json \
			>"$OUT/$name-storm.json" 2>>"$OUT/$name-storm.log"
	fi
}

if [[ $ONLY == same ]]; then
	SAME_RATE=${SAME_RATE:-}
	if [[ -z $SAME_RATE ]]; then
		fanout node start_node "ws://127.0.0.1:$NODE_PORT/" raw "" w16 -window 16
		SAME_RATE=$(half node)
	fi
	for peer in $SERVERS; do
		case $peer in
		node) same node start_node "ws://127.0.0.1:$NODE_PORT/" raw "" ;;
		socketio) same socketio start_sio "ws://127.0.0.1:$SIO_PORT/" socketio "" ;;
		relay) same relay start_relay "ws://127.0.0.1:$RELAY_PORT/ws" chat "$RELAY_FANOUT_FLAGS" ;;
		*) echo "SERVERS: unknown server $peer" >&2; exit 2 ;;
		esac
	done
else
SAME_RATE=""
measure node start_node "ws://127.0.0.1:$NODE_PORT/" raw "" "" "env PORT=$NODE_PORT node $root/relay/bench/ws-broadcast.js"
measure socketio start_sio "ws://127.0.0.1:$SIO_PORT/" socketio "" "" "env PORT=$SIO_PORT node $root/relay/bench/socketio-chat.js"
measure relay start_relay "ws://127.0.0.1:$RELAY_PORT/ws" chat "$RELAY_IDLE_FLAGS" "$RELAY_FANOUT_FLAGS" \
	"$work/bin/relay -addr 127.0.0.1:$RELAY_PORT -max-conns 30000 $PER_IP_FLAGS -log-level warn"
# The relay as shipped: only the per-address limits lifted (every client is
# on 127.0.0.1), at a load its default rate limit (10/s per connection)
# allows.
fanout relay start_relay "ws://127.0.0.1:$RELAY_PORT/ws" chat "$PER_IP_FLAGS" defaults -rate "$DEFAULT_RATE"
for peer in relay socketio; do
	echo "== $peer: rooms -rooms $ROOMS -members $MEMBERS" >&2
	if [[ $peer == relay ]]; then start_relay "$RELAY_FANOUT_FLAGS"; url="ws://127.0.0.1:$RELAY_PORT/ws" proto=chat
	else start_sio ""; url="ws://127.0.0.1:$SIO_PORT/" proto=socketio; fi
	"$work/bin/relay-bench" rooms -url "$url" -proto "$proto" -pid "$server_pid" -rooms "$ROOMS" -members "$MEMBERS" \
		-window 16 -duration "$DURATION" -json >"$OUT/$peer-rooms.json"
	stop_server
done
fi

echo "== results (JSON in $OUT)" >&2
OUT=$OUT WS_VERSION=$ws_version SIO_VERSION=$sio_version ONLY=$ONLY SAME_WARMUP=$SAME_WARMUP SAME_PIN=$SAME_PIN SERVER_CPU=$SERVER_CPU TOOL_CPU=$TOOL_CPU node - <<'JS'
const fs = require('fs');
const out = process.env.OUT;
const only = process.env.ONLY;
// r reads one result; in ONLY=same a server left out of SERVERS is null.
const r = (n) => (fs.existsSync(`${out}/${n}.json`) ? JSON.parse(fs.readFileSync(`${out}/${n}.json`, 'utf8')) : null);
const peers = ['relay', 'socketio', 'node'];
const get = (kind) => peers.map((p) => r(`${p}-${kind}`));
const os = require('os');
console.log(`machine: ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}, ws ${process.env.WS_VERSION}, socket.io ${process.env.SIO_VERSION}`);
const any = get(only === 'same' ? 'same' : 'w16').find((x) => x);
console.log(`fanout: ${any.subs_per_room} subscribers + ${any.pubs_per_room} publishers in one room, ${any.duration_seconds.toFixed(1)}s per row`);
if (process.env.SAME_PIN === '1') {
  console.log(`same offered load: every server pinned to CPU ${process.env.SERVER_CPU}, relay-bench to CPU ${process.env.TOOL_CPU} (taskset); other rows unpinned`);
}
if (!['', '0'].includes(process.env.SAME_WARMUP)) {
  console.log(`same offered load: measured after a ${process.env.SAME_WARMUP} warm-up run at the same rate on the same server process`);
}
console.log('');
console.log('| metric | our relay (chat.v1) | Socket.IO 4 (rooms) | Node ws (broadcast) | relay / Socket.IO | relay / Node ws |');
console.log('|---|---|---|---|---|---|');
const f = (v, d) => (typeof v === 'number' ? v.toFixed(d) : String(v));
const ratio = (a, b) => (a != null && b != null ? `${(a / b).toFixed(2)}×` : '');
// cells maps each server's result through pick, 'n/a' where it was not run.
const cells = (xs, pick) => xs.map((x) => (x ? pick(x) : 'n/a')).join(' | ');
const row = (label, vals, d, withRatio) => {
  const cs = vals.map((v) => (v == null ? 'n/a' : f(v, d)));
  const ratios = withRatio ? [ratio(vals[0], vals[1]), ratio(vals[0], vals[2])] : ['', ''];
  console.log(`| ${label} | ${cs.join(' | ')} | ${ratios.join(' | ')} |`);
};
const lat = (l) => `${l.p50.toFixed(1)} / ${l.p99.toFixed(1)} / ${l.p999.toFixed(1)}`;
const p99 = (x) => (x ? x.latency_ms.p99 : null);
const section = (kind, label) => {
  const xs = get(kind);
  const rate = kind === 'open' || kind === 'same' ? ` (${cells(xs, (x) => x.rate).replaceAll(' | ', ' / ')} msg/s)` : '';
  console.log(`| **${label}**${rate} | | | | | |`);
  const v = (pick) => xs.map((x) => (x ? pick(x) : null));
  row('deliveries/s', v((x) => x.deliveries_per_sec), 0, true);
  row('frames/s (server writes)', v((x) => x.frames_per_sec), 0, true);
  row('deliveries per frame', v((x) => x.deliveries_per_frame), 2, false);
  row('server CPU µs per delivery', v((x) => x.server_cpu_seconds_per_million_deliveries), 2, true);
  console.log(`| latency p50 / p99 / p99.9, ms | ${cells(xs, (x) => lat(x.latency_ms))} | ${ratio(p99(xs[0]), p99(xs[1]))} | ${ratio(p99(xs[0]), p99(xs[2]))} |`);
  if (kind === 'same' && xs.some((x) => x && x.socket_latency_ms)) {
    // Due → the kernel's receive stamp of the frame's data: the server's
    // latency without relay-bench's reading (see relay-bench's stampedConn).
    const sp99 = (x) => (x && x.socket_latency_ms ? x.socket_latency_ms.p99 : null);
    console.log(`| latency to the socket p50 / p99 / p99.9, ms | ${cells(xs, (x) => (x.socket_latency_ms ? lat(x.socket_latency_ms) : 'n/a'))} | ${ratio(sp99(xs[0]), sp99(xs[1]))} | ${ratio(sp99(xs[0]), sp99(xs[2]))} |`);
    // A stamp can only be late (a read that also copied newer data keeps
    // the newest stamp); the lower bound puts those stamps at their floor.
    // Its ratio is the worst case for the relay: its latency to the socket
    // over the other server's lower bound.
    const fp99 = (x) => (x && x.socket_latency_floor_ms ? x.socket_latency_floor_ms.p99 : null);
    console.log(`| latency to the socket, lower bound p50 / p99 / p99.9, ms (ratios: relay's p99 ÷ its lower bound) | ${cells(xs, (x) => (x.socket_latency_floor_ms ? lat(x.socket_latency_floor_ms) : 'n/a'))} | ${ratio(sp99(xs[0]), fp99(xs[1]))} | ${ratio(sp99(xs[0]), fp99(xs[2]))} |`);
    console.log(`| latency to the socket: stamps possibly late; mismatched frames | ${cells(xs, (x) => (x.socket_latency_ms ? `${(100 * x.socket_stamps_possibly_late / x.socket_latency_ms.count).toFixed(1)} %; ${x.stamp_mismatches}` : 'n/a'))} | | |`);
  }
  if (kind === 'open' || kind === 'same') {
    console.log(`| relay-bench send lag p50 / p99 / p99.9, ms | ${cells(xs, (x) => lat(x.send_lag_ms))} | | |`);
  }
  if (xs.some((x) => x && x.recv_lag_ms)) {
    console.log(`| relay-bench receive lag p50 / p99 / p99.9, ms | ${cells(xs, (x) => (x.recv_lag_ms ? lat(x.recv_lag_ms) : 'n/a'))} | | |`);
  }
  console.log(`| lost / duplicate | ${cells(xs, (x) => `${x.lost} / ${x.duplicates}`)} | | |`);
  console.log(`| client (relay-bench) CPU s | ${cells(xs, (x) => x.client_cpu_seconds.toFixed(2))} | | |`);
  if (kind === 'same') {
    console.log(`| relay-bench busy (CPU s ÷ s ÷ GOMAXPROCS) | ${cells(xs, (x) => `${(100 * x.client_cpu_seconds / x.duration_seconds / x.client_gomaxprocs).toFixed(0)} % of ${x.client_gomaxprocs}`)} | | |`);
  }
};
if (only === 'same') {
  section('same', 'open loop at the same offered load (half of Node ws\'s maximum)');
  process.exit(0);
}
row('idle RSS per connection, KB', get('idle').map((x) => x.rss_per_conn_kb), 2, true);
for (const [kind, label] of [['w4', 'closed loop, 4 in flight'], ['w16', 'closed loop, 16 in flight'], ['open', 'open loop at half its own maximum'], ['same', 'open loop at the same offered load (half of Node ws\'s maximum)']]) {
  section(kind, label);
}
const d = r('relay-defaults');
console.log(`| **relay with default flags** (per-address limits lifted), open loop ${d.rate} msg/s | deliveries/s ${d.deliveries_per_sec.toFixed(0)}, ${d.deliveries_per_frame.toFixed(2)} per frame, ${d.server_cpu_seconds_per_million_deliveries.toFixed(2)} µs CPU per delivery, p50 / p99 / p99.9 ${lat(d.latency_ms)} ms, lost ${d.lost}, error frames ${d.error_frames}, closed ${d.closed_early} | | | | |`);
const [rr, sr] = ['relay-rooms', 'socketio-rooms'].map(r);
console.log(`| rooms ${rr.rooms} × ${rr.subs_per_room + rr.pubs_per_room}, 16 in flight: deliveries/s | ${rr.deliveries_per_sec.toFixed(0)} | ${sr.deliveries_per_sec.toFixed(0)} | n/a (no rooms) | ${(rr.deliveries_per_sec / sr.deliveries_per_sec).toFixed(2)}× | |`);
console.log(`| rooms: server CPU µs per delivery; p99 ms | ${rr.server_cpu_seconds_per_million_deliveries.toFixed(2)}; ${rr.latency_ms.p99.toFixed(1)} | ${sr.server_cpu_seconds_per_million_deliveries.toFixed(2)}; ${sr.latency_ms.p99.toFixed(1)} | | | |`);
if (fs.existsSync(`${out}/relay-storm.json`)) {
  const xs = get('storm');
  row(`storm ${xs[0].conns}: all back after restart, s`, xs.map((x) => x.all_back_seconds), 2, true);
  row('storm: restarted server\'s peak RSS, MB', xs.map((x) => x.restart_peak_rss_kb / 1024), 0, true);
}
JS
