//go:build benchpprof

package main

// Built only with -tags benchpprof, for the memory measurements of
// BENCHMARKS.md: net/http/pprof and a plain-text dump of the runtime's
// memory figures on RELAY_PPROF_ADDR (default 127.0.0.1:6060). The relay
// itself is unchanged.

import (
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
)

func init() {
	addr := os.Getenv("RELAY_PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	http.HandleFunc("/debug/mem", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("gc") {
			runtime.GC()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s := []metrics.Sample{{Name: "/gc/stack/starting-size:bytes"}, {Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
		metrics.Read(s)
		fmt.Fprintf(w, "goroutines %d\nheap_alloc %d\nheap_inuse %d\nheap_idle %d\nheap_released %d\nstack_inuse %d\nsys %d\nnext_gc %d\nnum_gc %d\n",
			runtime.NumGoroutine(), ms.HeapAlloc, ms.HeapInuse, ms.HeapIdle, ms.HeapReleased, ms.StackInuse, ms.Sys, ms.NextGC, ms.NumGC)
		for _, x := range s {
			fmt.Fprintf(w, "%s %d\n", x.Name, x.Value.Uint64())
		}
		// Where the process's memory is, class by class (runtime/metrics).
		var classes []metrics.Sample
		for _, d := range metrics.All() {
			if strings.HasPrefix(d.Name, "/memory/classes/") {
				classes = append(classes, metrics.Sample{Name: d.Name})
			}
		}
		metrics.Read(classes)
		for _, x := range classes {
			fmt.Fprintf(w, "%s %d\n", x.Name, x.Value.Uint64())
		}
	})
	go func() { _ = http.ListenAndServe(addr, nil) }()
}
