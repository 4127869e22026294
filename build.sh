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

# WASM_BUILD_FLAGS and WASM_GOEXPERIMENT build app.wasm; app/size_test.go
# and app/internal/cmd/wasmsize use the same (app/internal/wasmbuild).
# -gcflags=all=-l turns inlining off: the file grows (+0.8 MB raw) but its
# brotli shrinks by 114 KB, since every inlined call leaves an inline tree
# and pc-value tables in the runtime's function table, and those hardly
# compress (issue 14; BENCHMARKS.md, "app.wasm size"). syscall/js alone
# keeps inlining: its makeArgSlices puts the arguments of every call into
# JavaScript on the stack only when inlined, and without it each call
# allocated ~400 bytes, a quarter of all a message flood allocated
# (BENCHMARKS.md, "The flood's slowest keypress"). -s -w drop the name
# section and DWARF.
WASM_BUILD_FLAGS=(-trimpath -gcflags=all=-l -gcflags=syscall/js= -ldflags="-s -w")
# nogreenteagc: Go 1.25's collector instead of Green Tea, whose gains are
# for many cores while a browser runs the wasm on one thread; about 15 KB
# less brotli. Only when this Go knows the experiment (go refuses unknown
# ones, and a later Go may drop it): else the default collector.
WASM_GOEXPERIMENT=nogreenteagc

wasm_goexperiment() {
	local experiment="${GOEXPERIMENT:+$GOEXPERIMENT,}$WASM_GOEXPERIMENT"
	if GOEXPERIMENT="$experiment" go env GOEXPERIMENT >/dev/null 2>&1; then
		echo "$experiment"
	else
		echo "==> this Go does not know GOEXPERIMENT=$WASM_GOEXPERIMENT: building app.wasm without it" >&2
		echo "${GOEXPERIMENT:-}"
	fi
}

build_wasm() {
	echo "==> app.wasm"
	rm -rf "$DIST"
	mkdir -p "$DIST/web"
	GOEXPERIMENT="$(wasm_goexperiment)" GOOS=js GOARCH=wasm go build "${WASM_BUILD_FLAGS[@]}" -o "$DIST/web/app.wasm" ./app
}

# version is a hash of what the browser downloads (the wasm, web/ and the
# relay list) and of what writes the rest (the generator in app/*.go and
# go.sum, which pins go-app's index.html, app.js and app-worker.js), so an
# unchanged build keeps its version and installed apps only offer an update
# when something really changed. The service worker serves every file from
# its cache until the version changes.
version() {
	{
		cat "$DIST/web/app.wasm" $(find web -type f | LC_ALL=C sort)
		cat $(find app -maxdepth 1 -name '*.go' ! -name '*_test.go' | LC_ALL=C sort) go.sum
		echo "${CHAT_RELAYS:-}"
	} | sha256sum | cut -c1-16
}

build_site() {
	local v
	v="$(version)"
	echo "==> static site (version $v)"
	# The generator copies web/ into dist/web, writes index.html, app.js,
	# app-worker.js and the manifest, precompresses app.wasm (.br, .gz) and
	# prints the three sizes. CHAT_RELAYS (comma-separated relay URLs) lets the
	# PWA fail over between several relays; without it, it uses the relay at
	# its own origin.
	go run ./app -out "$DIST" -web web -version "$v" ${CHAT_RELAYS:+-relays "$CHAT_RELAYS"}
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
# Tests: the README's second command. Installs what the suite needs when it is
# missing (Go modules, Debian's chromium when root, wasmbrowsertest from the
# module proxy), then runs vet for both targets, the native suite under -race,
# the wasm suite in Chromium and the Chromium end-to-end proof (app/e2e).
# Without Chromium the browser tests are skipped loudly, except under CI (any
# true value: true, TRUE, 1, yes, on), where that is a failure.
# ---------------------------------------------------------------------------
WASMBROWSERTEST_VERSION=v0.11.0

# is_ci: whether CI names a true value; app/e2e's underCI accepts the same set.
is_ci() {
	case "$(printf '%s' "${CI:-}" | tr '[:upper:]' '[:lower:]' | tr -d '[:space:]')" in
	1 | t | true | y | yes | on) return 0 ;;
	esac
	return 1
}

find_chromium() {
	local name
	for name in "${CHROMIUM:-}" chromium chromium-browser google-chrome; do
		if [ -n "$name" ] && command -v "$name" >/dev/null 2>&1; then
			command -v "$name"
			return 0
		fi
	done
	return 1
}

# An emoji font as every person's system has one: without it Chromium looks
# for each emoji's glyph in every font, each time it lays the text out, and
# TestHostileInput_RendersAsFastAsPlain measured that search (emoji 2.3x
# plain words without the font, 1.5x with it).
EMOJI_FONT_PACKAGE=fonts-noto-color-emoji

have_emoji_font() {
	command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi emoji
}

ensure_chromium() {
	local packages=()
	find_chromium >/dev/null || packages+=(chromium)
	have_emoji_font || packages+=("$EMOJI_FONT_PACKAGE")
	[ ${#packages[@]} = 0 ] && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "==> installing Debian's ${packages[*]} (apt-get)"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
	fi
	find_chromium >/dev/null && return 0
	return 1
}

ensure_wasmbrowsertest() {
	export PATH="$(go env GOPATH)/bin:$PATH"
	command -v wasmbrowsertest >/dev/null 2>&1 && return 0
	echo "==> installing wasmbrowsertest $WASMBROWSERTEST_VERSION (go install)"
	go install "github.com/agnivade/wasmbrowsertest@$WASMBROWSERTEST_VERSION"
}

no_browser_banner() {
	cat >&2 <<'BANNER'

!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!!! No Chromium found: the browser tests (wasm and end-to-end) are SKIPPED.  !!!
!!! Install Debian's "chromium" package, or set CHROMIUM=/path, to run them. !!!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!

BANNER
}

run_tests() {
	local started=$SECONDS browser=1
	echo "==> go mod download"
	go mod download
	if ! ensure_chromium; then
		browser=0
		if is_ci; then
			echo "FATAL: CI=${CI} needs Chromium for the browser tests, and it could not be installed" >&2
			exit 1
		fi
		no_browser_banner
	fi
	if [ "$browser" = 1 ]; then
		ensure_wasmbrowsertest
		export CHROMIUM="$(find_chromium)"
	fi

	build
	# The end-to-end suite serves this fresh build instead of building its own.
	export CHAT_DIST="$PWD/$DIST"

	echo "==> go vet (native)"
	go vet ./...
	echo "==> go vet (GOOS=js GOARCH=wasm)"
	GOOS=js GOARCH=wasm go vet ./app/... ./relay/wire/...

	echo "==> go test -race (native)"
	go test -race -count=1 $(go list ./... | grep -v '/app/e2e$')

	if [ "$browser" = 1 ]; then
		echo "==> go test (GOOS=js GOARCH=wasm, in Chromium via wasmbrowsertest)"
		# wasmbrowsertest's CDP library logs events it does not know: noise, not failures.
		GOOS=js GOARCH=wasm go test -count=1 -exec wasmbrowsertest ./app/... ./relay/wire/... \
			2> >(grep -v 'could not unmarshal event' >&2)
	fi

	echo "==> go test -race ./app/e2e (Chromium end-to-end)"
	# -v so that each scenario, and a loud skip without Chromium, shows in the log.
	go test -race -count=1 -v ./app/e2e/

	echo "==> all tests passed in $((SECONDS - started))s"
}

main "$@"
