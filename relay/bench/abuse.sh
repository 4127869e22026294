#!/usr/bin/env bash
# abuse.sh runs the attacks of issue 10 (relay-bench abuse) against our relay
# and against the Node ws broadcast server (ws-broadcast.js, -proto raw), each
# on a fresh server process, and prints one table:
#   flood       FLOOD_CONNS connections, each alone in its own room (the Node
#               server has no rooms: each message goes to every connection),
#               each publishing FLOOD_MSGS messages of FLOOD_KB KB at
#               FLOOD_RATE/s, then leaving; the server's RSS before, at its
#               peak, and SETTLE after.
#   rooms       rooms created until the server refuses one, or ROOMS_TRY.
#   slowheader  SLOW_CONNS TCP connections sending half an HTTP header:
#               how many the server closes within SLOW_WAIT, and when.
#
# The relay runs with its default flags for flood and slowheader: the flood's
# connections come from SOURCES loopback addresses (127.0.0.1…) so that its
# per-address handshake limit (20/s, bursts of 50) admits them, as it would
# admit that many visitors. For rooms the per-address limits are lifted
# (RELAY_ROOMS_FLAGS): the attack measures -max-rooms, which an attacker with
# many addresses reaches.
#
# Usage: relay/bench/abuse.sh            (from anywhere inside the repository)
# Knobs (environment): FLOOD_CONNS=100 FLOOD_MSGS=100 FLOOD_KB=60 FLOOD_RATE=9
#   SETTLE=10s ROOMS_TRY=101000 SLOW_CONNS=200 SLOW_WAIT=15s SOURCES=8
#   RELAY_PORT=18931 NODE_PORT=18932 OUT=DIR (keeps the JSON results there)
#   RELAY_FLAGS (flood, slowheader; default none), RELAY_ROOMS_FLAGS
# Needs: go, node and npm (ws is installed into a temporary directory).
set -euo pipefail

FLOOD_CONNS=${FLOOD_CONNS:-100}
FLOOD_MSGS=${FLOOD_MSGS:-100}
FLOOD_KB=${FLOOD_KB:-60}
FLOOD_RATE=${FLOOD_RATE:-9}
SETTLE=${SETTLE:-10s}
ROOMS_TRY=${ROOMS_TRY:-101000}
SLOW_CONNS=${SLOW_CONNS:-200}
SLOW_WAIT=${SLOW_WAIT:-15s}
SOURCES=${SOURCES:-8}
RELAY_PORT=${RELAY_PORT:-18931}
NODE_PORT=${NODE_PORT:-18932}
RELAY_FLAGS=${RELAY_FLAGS:-}
RELAY_ROOMS_FLAGS=${RELAY_ROOMS_FLAGS:--max-conns-per-ip 0 -handshakes-per-ip 0}

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
ulimit -n "$(ulimit -Hn)"

echo "== building relay and relay-bench, installing ws" >&2
build_tools "$work/bin"
npm install --silent --no-audit --no-fund --prefix "$work/node" ws >&2
ws_version=$(node -p "require('$work/node/node_modules/ws/package.json').version")
export NODE_PATH="$work/node/node_modules"

# abuse NAME START FLAGS URL PROTO ATTACKS ARGS...: one relay-bench abuse run
# on a fresh server.
abuse() {
	local name=$1 start=$2 flags=$3 url=$4 proto=$5 attacks=$6
	shift 6
	echo "== $name: $attacks" >&2
	$start "$flags"
	"$work/bin/relay-bench" abuse -url "$url" -proto "$proto" -pid "$server_pid" -attacks "$attacks" \
		-sources "$SOURCES" "$@" -json >"$OUT/$name-$attacks.json"
	stop_server
}

FLOOD_ARGS=(-flood-conns "$FLOOD_CONNS" -flood-msgs "$FLOOD_MSGS" -flood-kb "$FLOOD_KB" -flood-rate "$FLOOD_RATE"
	-settle "$SETTLE" -slow-conns "$SLOW_CONNS" -slow-wait "$SLOW_WAIT")
abuse relay start_relay "$RELAY_FLAGS" "ws://127.0.0.1:$RELAY_PORT/ws" chat flood,slowheader "${FLOOD_ARGS[@]}"
abuse relay start_relay "$RELAY_ROOMS_FLAGS" "ws://127.0.0.1:$RELAY_PORT/ws" chat rooms -rooms-try "$ROOMS_TRY"
abuse node start_node "" "ws://127.0.0.1:$NODE_PORT/" raw flood,slowheader "${FLOOD_ARGS[@]}"
abuse node start_node "" "ws://127.0.0.1:$NODE_PORT/" raw rooms -rooms-try "$ROOMS_TRY"

echo "== results (JSON in $OUT)" >&2
OUT=$OUT WS_VERSION=$ws_version SETTLE=$SETTLE ROOMS_TRY=$ROOMS_TRY node - <<'JS'
const fs = require('fs');
const os = require('os');
const out = process.env.OUT;
const r = (n) => JSON.parse(fs.readFileSync(`${out}/${n}.json`, 'utf8'));
const [rf, nf] = [r('relay-flood,slowheader'), r('node-flood,slowheader')];
const [rr, nr] = [r('relay-rooms'), r('node-rooms')];
const mib = (kb) => (kb ? `${(kb / 1024).toFixed(0)} MiB` : 'n/a');
console.log(`machine: ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at the end; node ${process.version}, ws ${process.env.WS_VERSION}`);
console.log('');
console.log('| attack | our relay (default flags) | Node ws (broadcast) |');
console.log('|---|---|---|');
const fl = rf.flood;
console.log(`| flood: ${fl.conns} conns × ${fl.msgs_per_conn} msgs × ${fl.kb} KB at ${fl.rate}/s (${fl.published_mb.toFixed(0)} MB published) | | |`);
console.log(`| RSS before / peak / ${process.env.SETTLE || 'settle'} after | ${[rf, nf].map((x) => `${mib(x.flood.rss_before_kb)} / ${mib(x.flood.rss_peak_kb)} / ${mib(x.flood.rss_after_kb)}`).join(' | ')} |`);
console.log(`| messages echoed to their sender / received in all | ${[rf, nf].map((x) => `${x.flood.echoed} / ${x.flood.received}`).join(' | ')} |`);
console.log(`| refused frames, dials refused, closed by the server | ${[rf, nf].map((x) => `${x.flood.refused_frames}, ${x.flood.dial_refused}, ${x.flood.closed_by_relay}`).join(' | ')} |`);
console.log(`| flood took, s | ${[rf, nf].map((x) => x.flood.seconds.toFixed(1)).join(' | ')} |`);
console.log(`| relay_history_bytes, evictions, rooms after | ${(Number(fl.relay_history_bytes) / 2 ** 20).toFixed(0)} MiB, ${fl.relay_history_evictions_total}, ${fl.relay_rooms} | n/a (keeps nothing) |`);
console.log(`| rooms: created until refused (of ${process.env.ROOMS_TRY || 'ROOMS_TRY'} tried) | ${[rr, nr].map((x) => `${x.rooms.created} in ${x.rooms.seconds.toFixed(1)} s, then ${x.rooms.first_refusal || 'none'}`).join(' | ')} |`);
console.log(`| rooms: RSS after | ${[rr, nr].map((x) => mib(x.rooms.rss_after_kb)).join(' | ')} |`);
const sl = ({ slowheader: s }) => `${s.closed_by_relay} of ${s.opened} closed` +
  (s.closed_by_relay ? ` (median ${(s.median_close_seconds || 0).toFixed(1)} s, max ${(s.max_close_seconds || 0).toFixed(1)} s)` : '') +
  `, ${s.still_open} open after ${s.waited_seconds.toFixed(0)} s`;
console.log(`| slowheader: ${rf.slowheader.conns} half headers | ${sl(rf)} | ${sl(nf)} |`);
JS
