//go:build !wasm

package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"

	"github.com/andybalholm/brotli"
)

// WasmSizes are the sizes in bytes of app.wasm as built and as served to
// browsers that accept gzip or brotli.
type WasmSizes struct {
	Raw, Gzip, Brotli int64
}

// precompress writes PATH.gz and PATH.br at best compression next to the file
// at path, so the host serves them without compressing on every request, and
// returns the three sizes.
func precompress(path string) (WasmSizes, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return WasmSizes{}, fmt.Errorf("precompress: %w", err)
	}
	gz, err := compressGzip(raw)
	if err != nil {
		return WasmSizes{}, err
	}
	br, err := compressBrotli(raw)
	if err != nil {
		return WasmSizes{}, err
	}
	if err := os.WriteFile(path+".gz", gz, 0o644); err != nil {
		return WasmSizes{}, fmt.Errorf("precompress: %w", err)
	}
	if err := os.WriteFile(path+".br", br, 0o644); err != nil {
		return WasmSizes{}, fmt.Errorf("precompress: %w", err)
	}
	return WasmSizes{Raw: int64(len(raw)), Gzip: int64(len(gz)), Brotli: int64(len(br))}, nil
}

func compressGzip(raw []byte) ([]byte, error) {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return finish(&b, w, raw, "gzip")
}

func compressBrotli(raw []byte) ([]byte, error) {
	var b bytes.Buffer
	w := brotli.NewWriterLevel(&b, brotli.BestCompression)
	return finish(&b, w, raw, "brotli")
}

func finish(b *bytes.Buffer, w io.WriteCloser, raw []byte, name string) ([]byte, error) {
	if _, err := w.Write(raw); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b.Bytes(), nil
}
