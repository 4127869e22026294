//go:build !js

package e2e

import (
	"cmp"
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/chromedp"
)

var speedFirstKeys = flag.Int("speed.first-keys", 3,
	"BenchmarkFloodFirstKeyTrace: how many of the flood's first keys are taken apart")

// firstKeyTraceCategories are the renderer's tasks, style, layout and paint,
// V8's compiling of JavaScript and of the wasm's functions (lazily, on
// their first call), its collections and the page's marks.
const firstKeyTraceCategories = "toplevel,devtools.timeline,blink.user_timing,v8,v8.wasm," +
	"disabled-by-default-v8.wasm.detailed,disabled-by-default-v8.compile"

// firstKeyMarksJS marks every keydown in the trace with the key's input
// time and the mark's own performance.now(): the two place the keyProbeJS
// window (input to the frame after it) on the trace's clock. As keyProbeJS,
// it takes only keys from the keyboard.
const firstKeyMarksJS = `(() => {
	document.addEventListener('keydown', (e) => {
		if (!e.isTrusted) {
			return;
		}
		performance.mark('key ' + e.timeStamp + ' ' + performance.now());
	}, true);
})()`

// BenchmarkFloodFirstKeyTrace is not a measurement but a look inside one:
// it starts BenchmarkFlood's flood in a new page under a Chrome trace, for
// its first 2 s (100 messages at 50/s), and prints, for each of the first
// -speed.first-keys keys, what the main thread did from 50 ms before the
// key's input to the frame that answered it: its tasks and what they were
// made of (script, Go's calls, V8 compiling wasm and JavaScript, style,
// layout, paint), summed by name. Every run is a new browser: the first
// key's cost is a new page's. With -speed.profile-dir it keeps each trace.
//
//	CHAT_DIST=$PWD/dist app/e2e/speed.sh 'FloodFirstKeyTrace$' 3
func BenchmarkFloodFirstKeyTrace(b *testing.B) {
	requireSuite(b)
	relay := startRelay(b, speedRelayFlags...)
	for i := range b.N {
		room := fmt.Sprintf("speed-first-key-%d", i)
		p := newPerson(b, fmt.Sprintf("first-key-%d", i))
		p.runOnEveryDocument("install the marks", firstKeyMarksJS, openMarksJS)
		p.open(roomURL(relay.URL(), room, ""))
		p.waitOnline()
		var online, started float64 // performance.now() when the test saw it online, and when the flood started
		p.eval(`performance.now()`, &online)
		p.do("focus the composer", chromedp.Focus(chromedp.CSS("#composer")))
		p.eval(keyProbeJS, nil)
		heapAfterGC(b, p) // as BenchmarkFlood does before its flood
		sender := dialSender(b, relay, room, fmt.Sprintf("first-key-sender-%d", i))
		events := traceWhile(b, p, firstKeyTraceCategories, func() {
			p.eval(`performance.now()`, &started)
			flood(b, p, sender, 100, 50)
		})
		var lat, at []float64
		p.eval(`window.__keys`, &lat)
		p.eval(`window.__keyAt`, &at)
		fmt.Printf("flood %d: first keys %v ms; online seen at %.0f, the flood started at %.0f ms of the page\n%s",
			i, lat[:min(len(lat), *speedFirstKeys)], online, started,
			firstKeysTimeline(events, lat, at, *speedFirstKeys))
		if *speedProfileDir != "" {
			writeTrace(b, filepath.Join(*speedProfileDir, fmt.Sprintf("first-key-%d.trace.json", i)), events)
		}
		sender.close()
		p.close()
	}
}

// firstKeysTimeline takes apart the window of each of the first n keys
// (lat: each key's latency, at: its input time, both performance.now()
// ms): the main thread's tasks in it, the events of ≥ 0.5 ms inside them,
// and the time of the events inside the window summed by name.
func firstKeysTimeline(raw []jsonv2.Value, lat, at []float64, n int) string {
	all := traceEventsByTime(raw)
	// The main thread is the one the key marks are on; a mark's ts
	// against its performance.now() places the page's clock on the trace's.
	pid, tid, offset := -1, -1, 0.0 // offset: trace ms − performance.now() ms
	for _, e := range all {
		if f := strings.Fields(e.Name); e.Cat == "blink.user_timing" && len(f) == 3 && f[0] == "key" {
			now, err := strconv.ParseFloat(f[2], 64)
			if err == nil {
				pid, tid, offset = e.Pid, e.Tid, e.Ts/1000-now
				break
			}
		}
	}
	if pid < 0 {
		return "  (no key mark in the trace)\n"
	}
	var out strings.Builder
	for k := range min(n, len(lat), len(at)) {
		from, to := at[k]+offset-50, at[k]+offset+lat[k]
		key := at[k] + offset
		fmt.Fprintf(&out, "key %d: %.1f ms (input at %.0f ms of the page)\n", k, lat[k], at[k])
		sums := map[string]float64{}
		var taskCPU, taskWall float64
		var task *traceEvent         // the task being listed
		var parts map[string]float64 // its events by name
		flush := func() {
			if task == nil || task.Dur < 500 {
				return
			}
			fmt.Fprintf(&out, "  %+7.1f ms task %5.1f ms (CPU %5.1f):%s\n", task.Ts/1000-key, task.Dur/1000, task.TDur/1000, namedMs(parts))
		}
		for i := range all {
			e := &all[i]
			start, end := e.Ts/1000, (e.Ts+e.Dur)/1000
			if e.Pid != pid || e.Tid != tid || (e.Ph != "X" && e.Cat != "blink.user_timing") || end < from || start > to {
				continue
			}
			if e.Cat == "blink.user_timing" && strings.HasPrefix(e.Name, "ws-message") {
				fmt.Fprintf(&out, "  %+7.1f ms %s\n", start-key, e.Name)
			}
			inside := min(end, to) - max(start, from)
			if e.Name == "ThreadControllerImpl::RunTask" {
				flush()
				task, parts = e, map[string]float64{}
				taskCPU += e.TDur / 1000 * inside / max(e.Dur/1000, 1e-9)
				taskWall += inside
				continue
			}
			sums[e.Name+eventDetail(*e)] += inside
			if task != nil && e.Ts < task.Ts+task.Dur {
				parts[e.Name+eventDetail(*e)] += e.Dur / 1000
			}
		}
		flush()
		fmt.Fprintf(&out, "  in the window (key −50 ms to its frame, %.0f ms): tasks %.1f ms wall, %.1f ms CPU; by name:%s\n",
			to-from, taskWall, taskCPU, namedMs(sums))
	}
	return out.String()
}

// namedMs lists the names of m with their ms, largest first, down to 0.3 ms.
func namedMs(m map[string]float64) string {
	type kv struct {
		k string
		v float64
	}
	var s []kv
	for name, v := range m {
		s = append(s, kv{name, v})
	}
	slices.SortFunc(s, func(a, b kv) int { return cmp.Compare(b.v, a.v) })
	var out strings.Builder
	for j, e := range s {
		if j == 12 || e.v < 0.3 {
			break
		}
		fmt.Fprintf(&out, " %s %.1f;", e.k, e.v)
	}
	return out.String()
}

// eventDetail is what an event's args say of it, when they say something
// short: a function's name, an event's type, a compiled function's index.
func eventDetail(e traceEvent) string {
	data, _ := e.Args["data"].(map[string]any)
	for _, key := range []string{"type", "functionName"} {
		if v, ok := data[key].(string); ok && v != "" {
			return " (" + v + ")"
		}
	}
	if v, ok := e.Args["func_index"]; ok {
		return fmt.Sprintf(" (func %v)", v)
	}
	return ""
}
