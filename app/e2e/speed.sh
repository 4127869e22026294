#!/usr/bin/env bash
# Measures the app's own speed in real Chromium (issue 14 §3): start cold and
# warm, opening a room with 500 messages, 5 000 messages arriving while the
# person types. The benchmarks live in speed_bench_test.go; this builds the
# site once and runs them.
#
#   app/e2e/speed.sh                 every benchmark, 5 runs each (the flood once)
#   app/e2e/speed.sh smoke           one run each, the flood at 500 msg/s
#   app/e2e/speed.sh ColdStart 10    one benchmark (a -bench pattern), 10 runs
#   app/e2e/speed.sh StartTrace 1    a Chrome trace of a warm start, and the wasm's share of it
#
# CHAT_DIST names an already built site (build.sh's dist/) to skip the build.
# Extra benchmark flags go in SPEED_ARGS, e.g. SPEED_ARGS='-speed.rate 100'.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if [[ -z "${CHAT_DIST:-}" ]]; then
	./build.sh >&2
	export CHAT_DIST="$PWD/dist"
fi

bench() { # pattern runs [flags…]
	local pattern=$1 runs=$2
	shift 2
	go test -run '^$' -bench "$pattern" -benchtime "${runs}x" -timeout 60m ./app/e2e/ -args "$@" ${SPEED_ARGS:-}
}

case "${1:-all}" in
all)
	bench 'ColdStart|WarmStart|OpenRoom' 5
	bench 'Flood' 1
	;;
smoke)
	bench 'ColdStart|WarmStart|OpenRoom' 1
	bench 'Flood' 1 -speed.rate 500
	;;
*)
	bench "$1" "${2:-5}"
	;;
esac
