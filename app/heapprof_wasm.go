//go:build wasm && heapprof

package main

import (
	"bytes"
	"encoding/base64"
	"runtime"
	"runtime/pprof"
	"syscall/js"
)

// With -tags heapprof the page samples every 4 KB Go allocates and
// window.__goHeapProfile() returns the allocation profile (pprof, base64)
// for `go tool pprof -sample_index=alloc_space`.
func init() {
	runtime.MemProfileRate = 4096
	js.Global().Set("__goHeapProfile", js.FuncOf(func(js.Value, []js.Value) any {
		var b bytes.Buffer
		if err := pprof.Lookup("allocs").WriteTo(&b, 0); err != nil {
			return err.Error()
		}
		return base64.StdEncoding.EncodeToString(b.Bytes())
	}))
}
