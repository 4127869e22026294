#!/usr/bin/env bash
# Builds and runs the chat: the WebAssembly PWA into dist/, the relay into bin/.
#
#   ./build.sh          build everything
#   ./build.sh run      build, then serve the chat at http://localhost:8080
#   ./build.sh test     run the tests (see run_tests at the end of this file)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

DIST=dist
BIN=bin

build_wasm() {
	echo "==> app.wasm"
	rm -rf "$DIST"
	mkdir -p "$DIST/web"
	GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o "$DIST/web/app.wasm" ./app
}

# version is a hash of what the browser downloads (the wasm and web/), so an
# unchanged build keeps its version and installed apps only offer an update
# when something really changed.
version() {
	cat "$DIST/web/app.wasm" $(find web -type f | LC_ALL=C sort) | sha256sum | cut -c1-16
}

build_site() {
	local v
	v="$(version)"
	echo "==> static site (version $v)"
	# The generator copies web/ into dist/web, writes index.html, app.js,
	# app-worker.js and the manifest, precompresses app.wasm (.br, .gz) and
	# prints the three sizes.
	go run ./app -out "$DIST" -web web -version "$v"
}

build_relay() {
	echo "==> relay"
	mkdir -p "$BIN"
	go build -o "$BIN/relay" ./relay/cmd/relay
}

build() {
	build_wasm
	build_site
	build_relay
}

main() {
	case "${1:-build}" in
	build)
		build
		;;
	run)
		build
		echo "==> serving http://localhost:8080"
		exec "$BIN/relay" -addr :8080 -web "$DIST"
		;;
	test)
		run_tests
		;;
	*)
		echo "usage: $0 [build|run|test]" >&2
		exit 2
		;;
	esac
}

# ---------------------------------------------------------------------------
# Tests. Keep this function last: it is extended with install steps, browser
# tests and the end-to-end suite.
# ---------------------------------------------------------------------------
run_tests() {
	go vet ./...
	GOOS=js GOARCH=wasm go vet ./app/...
	go test -race ./...
}

main "$@"
