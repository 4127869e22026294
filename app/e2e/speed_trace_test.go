//go:build !js

package e2e

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
)

var speedTrace = flag.String("speed.trace", filepath.Join(os.TempDir(), "chat-start-trace.json"),
	"BenchmarkStartTrace: file to write the Chrome trace into (open it in ui.perfetto.dev)")

// startTraceCategories are what the start is made of: the renderer's main
// thread (parsing, scripts, style, layout, paint), loading, V8 (compiling
// and running JavaScript and WebAssembly, its code cache) and the service
// worker.
const startTraceCategories = "devtools.timeline,disabled-by-default-devtools.timeline,loading,blink,v8,v8.wasm," +
	"disabled-by-default-v8.wasm.detailed,disabled-by-default-v8.compile,blink.user_timing,ServiceWorker,netlog,navigation"

// BenchmarkStartTrace is not a measurement but a look inside one: it warms
// the page up as BenchmarkWarmStart does, then records a Chrome performance
// trace of a start (the last run's) into -speed.trace, for ui.perfetto.dev,
// and logs what the trace says of the wasm (traceSummary).
//
//	app/e2e/speed.sh StartTrace 1
func BenchmarkStartTrace(b *testing.B) {
	requireSuite(b)
	relay := startRelay(b, speedRelayFlags...)
	url := roomURL(relay.URL(), "speed-start", "")
	p := newPerson(b, "trace")
	warmUp(b, p, url)

	for i := range b.N {
		events := traceWhile(b, p, startTraceCategories, func() { b.Logf("traced %d: %v", i, startPage(b, p, url)) })
		writeTrace(b, *speedTrace, events)
		b.Logf("trace %d in %s: %s", i, *speedTrace, traceSummary(events))
	}
}

// traceWhile records a trace of categories (comma-separated) while run
// runs and returns its events.
func traceWhile(b *testing.B, p *person, categories string, run func()) []jsonv2.Value {
	b.Helper()
	var (
		mu     sync.Mutex
		events []jsonv2.Value
	)
	collected := chromedp.Events(p.ctx, tracing.DataCollected)
	complete := chromedp.Events(p.ctx, tracing.TracingComplete)
	done := make(chan struct{})
	go func() {
		for ev, err := range collected {
			if err != nil {
				return
			}
			mu.Lock()
			events = append(events, ev.Value...)
			mu.Unlock()
		}
	}()
	go func() {
		for _, err := range complete {
			if err == nil {
				close(done)
			}
			return
		}
	}()
	p.do("start tracing", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, tracing.Start, tracing.StartParams{
			TransferMode: tracing.StartTransferModeReportEvents,
			TraceConfig:  &tracing.TraceConfig{IncludedCategories: strings.Split(categories, ",")},
		})
		return err
	}))
	run()
	p.do("end tracing", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, tracing.End, cdp.Empty{})
		return err
	}))
	<-done
	mu.Lock()
	defer mu.Unlock()
	return events
}

// traceSummary sums what the wasm cost in a trace: lazy compilation of
// functions on their first call (on the page's main thread, during Go's
// start), streaming validation and top-tier compilation (in the
// background), and whether V8's code cache was written or read.
func traceSummary(events []jsonv2.Value) string {
	type event struct {
		Name string  `json:"name"`
		Dur  float64 `json:"dur"` // µs
	}
	count := map[string]int{}
	ms := map[string]float64{}
	for _, raw := range events {
		var e event
		if json.Unmarshal(raw, &e) != nil {
			continue
		}
		count[e.Name]++
		ms[e.Name] += e.Dur / 1000
	}
	return fmt.Sprintf("lazy compiles %d (%.0f ms), streaming validation %.0f ms, top tier %d units (%.0f ms), "+
		"code cache written %d, hit %d, stale %d",
		count["wasm.CompileLazy"], ms["wasm.CompileLazy"], ms["wasm.ValidateFunctionsStreaming"],
		count["wasm.TopTierCompilation"], ms["wasm.TopTierCompilation"],
		count["v8.wasm.cachedModule"], count["v8.wasm.moduleCacheHit"], count["v8.wasm.moduleCacheInvalid"])
}
