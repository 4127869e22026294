//go:build !wasm

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// MaxWasmBrotli is the budget of app.wasm as browsers download it: the bare
// go-app + coder/websocket hello is 1.42 MB, so this leaves the chat about
// 180 KB.
const MaxWasmBrotli = 1_600_000

// TestWasmSize builds app.wasm exactly as build.sh does and fails when its
// brotli size exceeds the budget.
func TestWasmSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm; skipped with -short")
	}
	wasm := filepath.Join(t.TempDir(), "app.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", wasm, ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the wasm: %v\n%s", err, out)
	}

	sizes, err := precompress(wasm)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("app.wasm: %d bytes raw, %d gzip, %d brotli (budget %d)", sizes.Raw, sizes.Gzip, sizes.Brotli, MaxWasmBrotli)
	if sizes.Brotli > MaxWasmBrotli {
		t.Errorf("app.wasm is %d bytes brotli, over the %d budget by %d", sizes.Brotli, MaxWasmBrotli, sizes.Brotli-MaxWasmBrotli)
	}
}
