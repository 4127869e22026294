#!/usr/bin/env bash
# multi.sh measures fan-out across several relays sharing one room through
# NATS JetStream, next to the same load on one relay alone: SUBS subscribers
# and PUBS publishers spread round-robin over RELAYS relays (relay-bench
# fanout with several -url), closed loop, then the ratio.
#
# Usage: relay/bench/multi.sh            (from anywhere inside the repository)
# Knobs (environment): RELAYS=3 SUBS=1000 PUBS=4 WINDOW=16 DURATION=10s
#   BASE_PORT=18300 NATS_PORT=18222 OUT=DIR (keeps the JSON results there)
# Needs: go and nats-server (Debian package nats-server) on PATH.
set -euo pipefail

RELAYS=${RELAYS:-3}
SUBS=${SUBS:-1000}
PUBS=${PUBS:-4}
WINDOW=${WINDOW:-16}
DURATION=${DURATION:-10s}
BASE_PORT=${BASE_PORT:-18300}
NATS_PORT=${NATS_PORT:-18222}
# -max-conns-per-ip 0 -handshakes-per-ip 0: every connection of relay-bench
# comes from 127.0.0.1, which the per-address limits would refuse with 429.
FLAGS="-max-conns 30000 -max-conns-per-ip 0 -handshakes-per-ip 0 -rate 100000 -burst 100000 -queue 4096 -log-level warn"

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
command -v nats-server >/dev/null || { echo "multi.sh needs nats-server (apt-get install nats-server)" >&2; exit 1; }

echo "== building relay and relay-bench" >&2
build_tools "$work/bin"


# fanout NAME URLS PIDS: one closed-loop run.
fanout() {
	echo "== $1: fanout -subs $SUBS -pubs $PUBS -window $WINDOW over $2" >&2
	"$work/bin/relay-bench" fanout -url "$2" -pid "$3" -subs "$SUBS" -pubs "$PUBS" -window "$WINDOW" \
		-duration "$DURATION" -json >"$OUT/$1.json"
}

# One relay, in memory.
"$work/bin/relay" -addr "127.0.0.1:$BASE_PORT" $FLAGS 2>>"$OUT/single.log" &
single=$!
pids+=("$single")
wait_port "$BASE_PORT"
fanout single "ws://127.0.0.1:$BASE_PORT/ws" "$single"
kill "$single"; wait "$single" 2>/dev/null || true

# NATS with JetStream, then RELAYS relays on it.
nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$work/nats" 2>>"$OUT/nats.log" &
nats=$!
pids+=("$nats")
wait_port "$NATS_PORT"
urls=() relay_pids=()
for i in $(seq "$RELAYS"); do
	port=$((BASE_PORT + i))
	"$work/bin/relay" -addr "127.0.0.1:$port" $FLAGS -nats "nats://127.0.0.1:$NATS_PORT" 2>>"$OUT/relay-$i.log" &
	relay_pids+=("$!")
	pids+=("$!")
	urls+=("ws://127.0.0.1:$port/ws")
	wait_port "$port"
done
all_urls=$(IFS=,; echo "${urls[*]}")
all_relays=$(IFS=,; echo "${relay_pids[*]}")
nats_cpu_before=$(awk '{print $14 + $15}' "/proc/$nats/stat")
fanout multi "$all_urls" "$all_relays"
nats_cpu=$(( $(awk '{print $14 + $15}' "/proc/$nats/stat") - nats_cpu_before ))

echo "== results (JSON in $OUT)" >&2
OUT=$OUT RELAYS=$RELAYS NATS_CPU_TICKS=$nats_cpu node - <<'JS'
const fs = require('fs');
const r = (n) => JSON.parse(fs.readFileSync(`${process.env.OUT}/${n}.json`, 'utf8'));
const [s, m] = ['single', 'multi'].map(r);
const lat = (l) => `${l.p50.toFixed(1)} / ${l.p99.toFixed(1)} / ${l.p999.toFixed(1)}`;
console.log(`fanout: ${s.subs_per_room} subscribers + ${s.pubs_per_room} publishers, window ${s.window}, ${s.duration_seconds.toFixed(1)}s`);
console.log('');
console.log(`| | one relay (memory) | ${process.env.RELAYS} relays + NATS JetStream | multi / single |`);
console.log('|---|---|---|---|');
console.log(`| deliveries/s | ${s.deliveries_per_sec.toFixed(0)} | ${m.deliveries_per_sec.toFixed(0)} | ${(m.deliveries_per_sec / s.deliveries_per_sec).toFixed(2)}× |`);
console.log(`| published msg/s | ${(s.published / s.duration_seconds).toFixed(0)} | ${(m.published / m.duration_seconds).toFixed(0)} | |`);
console.log(`| latency p50 / p99 / p99.9, ms | ${lat(s.latency_ms)} | ${lat(m.latency_ms)} | |`);
console.log(`| relay CPU s per million deliveries (all relays) | ${s.server_cpu_seconds_per_million_deliveries.toFixed(2)} | ${m.server_cpu_seconds_per_million_deliveries.toFixed(2)} | |`);
console.log(`| nats-server CPU s during the run | | ${(process.env.NATS_CPU_TICKS / 100).toFixed(2)} | |`);
console.log(`| relay-bench CPU s | ${s.client_cpu_seconds.toFixed(2)} | ${m.client_cpu_seconds.toFixed(2)} | |`);
console.log(`| lost / duplicate | ${s.lost} / ${s.duplicates} | ${m.lost} / ${m.duplicates} | |`);
JS
