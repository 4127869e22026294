//go:build !js

package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
)

// openTraceCategories are the renderer's tasks, style, layout and paint,
// and the page's own marks: what the main thread did during an open,
// without the profiler's sampling.
const openTraceCategories = "toplevel,devtools.timeline,blink.user_timing"

// openMarksJS marks the steps of an open that the page shows from outside
// in the trace (performance.mark, blink.user_timing): the fragment changing
// (popstate, then hashchange) and every WebSocket frame received, by
// capturing listeners that run before the page's own.
const openMarksJS = `(() => {
	addEventListener('popstate', () => performance.mark('popstate'), true);
	addEventListener('hashchange', () => performance.mark('hashchange'), true);
	const send = WebSocket.prototype.send;
	WebSocket.prototype.send = function (data) {
		performance.mark('ws-send ' + String(data).slice(0, 40));
		return send.call(this, data);
	};
	const add = WebSocket.prototype.addEventListener;
	WebSocket.prototype.addEventListener = function (type, fn, opts) {
		if (type === 'message') {
			add.call(this, 'message', (e) => performance.mark('ws-message ' + (typeof e.data === 'string' ? e.data.length : e.data.size)), true);
		}
		return add.call(this, type, fn, opts);
	};
})()`

// BenchmarkOpenRoomTrace opens a room of -speed.history messages from the
// relay as BenchmarkOpenRoom does, under a Chrome trace (after one open
// that is not traced, so that the wasm's code for it is compiled), and
// prints the main thread's timeline from the fragment's change: tasks,
// style, layout, paint, and the page's marks. With -speed.profile-dir it
// also keeps each trace (open-N.trace.json, for ui.perfetto.dev).
//
//	CHAT_DIST=$PWD/dist app/e2e/speed.sh 'OpenRoomTrace$' 3
func BenchmarkOpenRoomTrace(b *testing.B) {
	requireSuite(b)
	relay := startRelay(b, speedRelayFlags...)
	p := newPerson(b, "traced-reader")
	p.runOnEveryDocument("install the marks", openMarksJS)
	p.open(roomURL(relay.URL(), "speed-lobby", ""))
	p.waitOnline()
	n := *speedHistory
	warm, last := seedHistory(b, relay, "speed-trace-warm", "trace-warm-sender", n)
	openRoomTimed(b, p, "speed-trace-warm", last)
	switchRoom(p, "speed-lobby")
	warm.close()
	for i := range b.N {
		room := fmt.Sprintf("speed-trace-%d", i)
		sender, last := seedHistory(b, relay, room, fmt.Sprintf("trace-sender-%d", i), n)
		var ms float64
		events := traceWhile(b, p, openTraceCategories, func() { ms, _ = openRoomTimed(b, p, room, last) })
		fmt.Printf("open %d from the relay: %.0f ms\n%s", i, ms, openTimeline(events))
		if *speedProfileDir != "" {
			writeTrace(b, filepath.Join(*speedProfileDir, fmt.Sprintf("open-%d.trace.json", i)), events)
		}
		switchRoom(p, "speed-lobby")
		sender.close()
	}
}

// openTimeline lists the renderer main thread's events of at least 0.5 ms
// and the page's marks, in ms from the popstate mark, and sums the thread
// time (CPU, tdur) of its tasks from there on: on a loaded machine the
// wall time of an open says more about the other processes than the CPU
// time does.
func openTimeline(events []jsonv2.Value) string {
	all := traceEventsByTime(events)
	// The main thread is the one the marks are on.
	start, pid, tid := 0.0, -1, -1
	for _, e := range all {
		if e.Cat == "blink.user_timing" && e.Name == "popstate" {
			start, pid, tid = e.Ts, e.Pid, e.Tid
			break
		}
	}
	if pid < 0 {
		return "  (no popstate mark in the trace)\n"
	}
	var out strings.Builder
	var cpu, wall float64
	for _, e := range all {
		if e.Pid != pid || e.Tid != tid || e.Ts < start-1000 {
			continue
		}
		at := (e.Ts - start) / 1000
		switch {
		case e.Name == "ThreadControllerImpl::RunTask" && e.Ph == "X":
			if e.Ts >= start {
				cpu, wall = cpu+e.TDur/1000, wall+e.Dur/1000
			}
		case e.Cat == "blink.user_timing":
			fmt.Fprintf(&out, "  %7.1f ms  mark %s\n", at, e.Name)
		case e.Ph == "X" && e.Dur >= 500:
			fmt.Fprintf(&out, "  %7.1f ms +%6.1f ms  %s\n", at, e.Dur/1000, e.Name)
		}
	}
	fmt.Fprintf(&out, "  main thread from popstate to the end: tasks %.1f ms of CPU in %.1f ms\n", cpu, wall)
	return out.String()
}
