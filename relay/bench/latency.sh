#!/usr/bin/env bash
# latency.sh: latency against load. One open-loop fanout run per publish
# rate, each on a fresh relay with compare.sh's fanout flags: 1000
# subscribers + 4 publishers in one room. Prints one table row per rate:
# deliveries/s, frames/s and deliveries per frame (batching), latency from
# the scheduled send time, relay-bench's own send lag (scheduled → written,
# to tell the load generator's delay from the relay's) and server CPU per
# delivery.
#
# Usage: relay/bench/latency.sh           (from anywhere inside the repository)
# Knobs (environment): RATES="50 150 300 500" SUBS=1000 PUBS=4 DURATION=10s
#   RELAY_PORT=18080 OUT=DIR (keeps the JSON there)
#   RELAY_FANOUT_FLAGS: the relay's flags (default as in compare.sh)
#   RELAY_BIN: a relay binary to measure instead of building this checkout's
#   (to alternate a before and an after build, run by run, on a shared machine)
set -euo pipefail

RATES=${RATES:-50 150 300 500}
SUBS=${SUBS:-1000}
PUBS=${PUBS:-4}
DURATION=${DURATION:-10s}
RELAY_PORT=${RELAY_PORT:-18080}
PER_IP_FLAGS="-max-conns-per-ip 0 -handshakes-per-ip 0"
RELAY_FANOUT_FLAGS=${RELAY_FANOUT_FLAGS:--max-conns 30000 -rate 100000 -burst 100000 -queue 4096 $PER_IP_FLAGS}

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
# shellcheck source=relay/bench/lib.sh
source "$root/relay/bench/lib.sh"
work=$(mktemp -d)
OUT=${OUT:-$work/results}
mkdir -p "$OUT"
cleanup() {
	if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work/bin"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"

echo "== building relay and relay-bench" >&2
build_tools "$work/bin"
if [[ -n ${RELAY_BIN:-} ]]; then cp "$RELAY_BIN" "$work/bin/relay"; fi

for rate in $RATES; do
	echo "== fanout open loop -rate $rate" >&2
	start_relay "$RELAY_FANOUT_FLAGS"
	"$work/bin/relay-bench" fanout -url "ws://127.0.0.1:$RELAY_PORT/ws" -pid "$server_pid" -subs "$SUBS" -pubs "$PUBS" \
		-duration "$DURATION" -rate "$rate" -json >"$OUT/lat-$rate.json"
	stop_server
done

echo "== results (JSON in $OUT)" >&2
OUT=$OUT RATES=$RATES node - <<'JS'
const fs = require('fs');
const lat = (l) => `${l.p50.toFixed(1)} / ${l.p99.toFixed(1)} / ${l.p999.toFixed(1)}`;
console.log('| publish rate | deliveries/s | frames/s | deliveries per frame | latency p50 / p99 / p99.9 ms | relay-bench send lag p50 / p99 / p99.9 ms | server CPU µs per delivery | lost / dup |');
console.log('|---|---|---|---|---|---|---|---|');
for (const rate of process.env.RATES.split(/\s+/).filter(Boolean)) {
  const x = JSON.parse(fs.readFileSync(`${process.env.OUT}/lat-${rate}.json`, 'utf8'));
  console.log(`| ${rate} msg/s | ${x.deliveries_per_sec.toFixed(0)} | ${x.frames_per_sec.toFixed(0)} | ${x.deliveries_per_frame.toFixed(2)} | ${lat(x.latency_ms)} | ${lat(x.send_lag_ms)} | ${x.server_cpu_seconds_per_million_deliveries.toFixed(2)} | ${x.lost} / ${x.duplicates} |`);
}
JS
