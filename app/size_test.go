//go:build !wasm

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// MaxWasmBrotli is the budget of app.wasm as browsers download it: the bare
// go-app + coder/websocket hello is 1.42 MB, so this leaves the chat about
// 190 KB. Private rooms (issue 12) raised it from 1,600,000: AES-GCM,
// Ed25519 and HKDF were not linked before (in js/wasm net/http uses fetch,
// so the TLS stack is dead code) and, with the sealing, signing and the
// room info and new-room UI, they add about 28 KB brotli. IndexedDB storage
// (issue 11), replies/reactions/edits (issue 13) and WebCrypto batching
// brought it to 1,688,758; typing indicators over signals (issue 13: the
// typing logic was dead code until wired, plus the probe and the signal
// frames) to 1,704,471, +9.5 KB; mentions (highlight, the composer's @
// list) and the keyboard reaction picker to 1,713,686 from 1,700,330,
// +13.4 KB (brotli of a wasm moves by ±3 KB as functions shift, so cuts of
// a few KB raw measured as anything from -2 to +3 KB). Issue 14 asks for 1,600,000 and stays open
// until it is met (BENCHMARKS.md, "app.wasm size", lists where the bytes
// go); this ceiling stops unnoticed growth meanwhile.
const MaxWasmBrotli = 1_715_000

// TestWasmSize builds app.wasm and the site exactly as build.sh does and fails
// when the brotli file browsers download exceeds the budget. The generator runs
// as its own process: compressing 8 MB at brotli's best quality inside a -race
// test binary would take minutes.
func TestWasmSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm; skipped with -short")
	}
	out := t.TempDir()
	wasm := filepath.Join(out, "web", "app.wasm")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", wasm, ".")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if output, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the wasm: %v\n%s", err, output)
	}
	generate := exec.Command("go", "run", ".", "-out", out, "-web", filepath.Join("..", DefaultWebDir), "-version", "size-test")
	output, err := generate.CombinedOutput()
	if err != nil {
		t.Fatalf("generating the site: %v\n%s", err, output)
	}
	t.Logf("%s", bytes.TrimSpace(output))

	brotli, err := os.Stat(wasm + ".br")
	if err != nil {
		t.Fatal(err)
	}
	if size := brotli.Size(); size > MaxWasmBrotli {
		t.Errorf("app.wasm is %d bytes brotli, over the %d budget by %d", size, MaxWasmBrotli, size-MaxWasmBrotli)
	} else {
		t.Logf("%d bytes brotli, %d under the %d budget", size, MaxWasmBrotli-size, MaxWasmBrotli)
	}
}
