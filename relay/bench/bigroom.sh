#!/usr/bin/env bash
# bigroom.sh measures ONE room of N members with the relay's default flags:
# the fill, then a restart storm (relay-bench bigroom -storm), first on one
# relay in memory, then on RELAYS relays sharing the room through NATS
# JetStream (members round-robin over them, every relay restarted at once).
#
# Usage: relay/bench/bigroom.sh            (from anywhere inside the repository)
# Knobs (environment): N=10000 RELAYS=3 SETTLE=5s DIAL_CONCURRENCY=128
#   BASE_PORT=18400 NATS_PORT=18422 OUT=DIR (keeps the JSON results and logs)
#   RELAY_BIN: a relay binary to measure instead of building this checkout's
#   (to alternate a before and an after build on a shared machine)
# Needs: go, node and nats-server (Debian package nats-server) on PATH; without
# nats-server only the one-relay run is made.
set -euo pipefail

N=${N:-10000}
RELAYS=${RELAYS:-3}
SETTLE=${SETTLE:-5s}
DIAL_CONCURRENCY=${DIAL_CONCURRENCY:-128}
BASE_PORT=${BASE_PORT:-18400}
NATS_PORT=${NATS_PORT:-18422}
# The relay's defaults but two: every member comes from 127.0.0.x, which the
# per-address limits (256 connections, 20 handshakes/s) exist to refuse.
# -log-level warn keeps 10000 connection lines out of the log.
FLAGS="-max-conns-per-ip 0 -handshakes-per-ip 0 -log-level warn"
# -max-conns (default 10000) only if one relay could be asked for more.
if ((N > 10000)); then FLAGS="$FLAGS -max-conns $((N + 1000))"; fi

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
# shellcheck source=relay/bench/lib.sh
source "$root/relay/bench/lib.sh"
work=$(mktemp -d)
OUT=${OUT:-$work/results}
mkdir -p "$OUT"
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work/bin" "$work/nats"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"

echo "== building relay and relay-bench" >&2
build_tools "$work/bin"
if [[ -n ${RELAY_BIN:-} ]]; then cp "$RELAY_BIN" "$work/bin/relay"; fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/load.txt" >&2

# bigroom NAME URLS SERVERS: one fill + storm run; relay-bench starts and
# restarts the servers itself.
bigroom() {
	echo "== $1: bigroom -n $N -storm over $2" >&2
	"$work/bin/relay-bench" bigroom -url "$2" -server "$3" -n "$N" -storm -settle "$SETTLE" \
		-dial-concurrency "$DIAL_CONCURRENCY" -json >"$OUT/$1.json" 2> >(tee "$OUT/$1.log" >&2)
}

bigroom single "ws://127.0.0.1:$((BASE_PORT + 1))/ws" "$work/bin/relay -addr 127.0.0.1:$((BASE_PORT + 1)) $FLAGS"

if command -v nats-server >/dev/null; then
	nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$work/nats" 2>>"$OUT/nats.log" &
	nats=$!
	pids+=("$nats")
	wait_port "$NATS_PORT"
	urls=() servers=()
	for i in $(seq "$RELAYS"); do
		port=$((BASE_PORT + 10 + i))
		urls+=("ws://127.0.0.1:$port/ws")
		servers+=("$work/bin/relay -addr 127.0.0.1:$port $FLAGS -nats nats://127.0.0.1:$NATS_PORT")
	done
	nats_rss() { awk '/^VmRSS/ {print $2}' "/proc/$nats/status"; }
	echo "nats_rss_before_kb $(nats_rss)" >"$OUT/nats.txt"
	bigroom multi "$(IFS=,; echo "${urls[*]}")" "$(IFS=';'; echo "${servers[*]}")"
	echo "nats_rss_after_kb $(nats_rss)" >>"$OUT/nats.txt"
	echo "nats_rss_peak_kb $(awk '/^VmHWM/ {print $2}' "/proc/$nats/status")" >>"$OUT/nats.txt"
else
	echo "== no nats-server on PATH: the $RELAYS-relay run is skipped (apt-get install nats-server)" >&2
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt" >&2

echo "== results (JSON in $OUT)" >&2
OUT=$OUT RELAYS=$RELAYS node - <<'JS'
const fs = require('fs');
const read = (n) => fs.existsSync(`${process.env.OUT}/${n}.json`) ? JSON.parse(fs.readFileSync(`${process.env.OUT}/${n}.json`, 'utf8')) : null;
const runs = [['one relay (memory)', read('single')], [`${process.env.RELAYS} relays + NATS JetStream`, read('multi')]].filter(([, r]) => r);
const codes = (p) => p.drops === 0 ? '0' : `${p.drops} (${Object.entries(p.drop_codes).map(([c, k]) => `${k}× ${c}`).join(', ')})`;
const back = (p) => p.all_in ? `${p.seconds.toFixed(1)} s` : `NOT all: ${p.in} of ${p.expected} after ${p.seconds.toFixed(1)} s`;
const row = (name, f) => console.log(`| ${name} | ${runs.map(([, r]) => f(r)).join(' | ')} |`);
console.log(`| one room of ${runs[0][1].members} members | ${runs.map(([n]) => n).join(' | ')} |`);
console.log(`|---|${runs.map(() => '---').join('|')}|`);
row('fill: all in after', (r) => back(r.fill));
row('fill: drops (close code)', (r) => codes(r.fill));
row('fill: failed dials (of which welcome after the dial timeout)', (r) => `${r.fill.failed_dials} (${r.fill.late_welcomes})`);
row('fill: RSS per member (server RSS delta / N)', (r) => `${r.fill.rss_per_member_kb.toFixed(1)} KB (${(r.rss_before_kb / 1024).toFixed(0)} → ${(r.fill.rss_kb / 1024).toFixed(0)} MiB, peak ${(r.fill.peak_rss_kb / 1024).toFixed(0)} MiB)`);
row('fill: messages published / members missing one', (r) => `${r.fill.published} / ${r.fill.members_missing_messages}`);
row('fill: members whose presence count is right', (r) => r.fill.presence_agreed);
row('storm: shutdown (SIGTERM to exit)', (r) => `${r.shutdown_seconds.toFixed(1)} s`);
row('storm: all back after (from the restart)', (r) => back(r.storm));
row('storm: drops after coming back (close code)', (r) => codes(r.storm));
row('storm: failed dials (of which welcome after the dial timeout)', (r) => `${r.storm.failed_dials} (${r.storm.late_welcomes})`);
row('storm: RSS per member after', (r) => `${r.storm.rss_per_member_kb.toFixed(1)} KB (peak ${(r.storm.peak_rss_kb / 1024).toFixed(0)} MiB)`);
row('storm: messages published / members missing one', (r) => `${r.storm.published} / ${r.storm.members_missing_messages}`);
row('storm: members whose presence count is right', (r) => r.storm.presence_agreed);
row('bytes read per member, whole run', (r) => r.bytes_per_member.toFixed(0));
JS
cat "$OUT/load.txt"
if [[ -f $OUT/nats.txt ]]; then cat "$OUT/nats.txt"; fi
