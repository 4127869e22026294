//go:build !js

package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// firstKeyPartsJS keeps, from the document's start, the page's own Event
// Timing entries (every key event of 16 ms or more: when its input came,
// when its handlers started and ended) and its long animation frames (over
// 50 ms: which scripts ran in them).
const firstKeyPartsJS = `(() => {
	const r = window.__parts = {events: [], frames: []};
	new PerformanceObserver((l) => {
		for (const e of l.getEntries()) r.events.push({name: e.name, start: e.startTime, handlersStart: e.processingStart, handlersEnd: e.processingEnd});
	}).observe({type: 'event', durationThreshold: 16, buffered: true});
	new PerformanceObserver((l) => {
		for (const e of l.getEntries()) r.frames.push({start: e.startTime, duration: e.duration,
			scripts: e.scripts.map((s) => s.invoker + ' ' + Math.round(s.duration) + ' ms')});
	}).observe({type: 'long-animation-frame', buffered: true});
})()`

// firstKeyParts is where one key's time went, in ms, from the page's Event
// Timing: waiting for the main thread (what ran when its input came), its
// own task (keydown, keypress and input handlers, with the browser's work
// between them; Event Timing keeps only events of 16 ms or more, so a short
// last one may be missed) and the rest until the frame after it
// (keyProbeJS's end: the frame's wait and work, and whatever ran before it).
type firstKeyParts struct {
	Wait, Task, ToFrame float64
}

// BenchmarkFloodFirstKeyParts takes the flood's first key apart without a
// trace, whose own cost stretches every task: it runs BenchmarkFlood's
// start of a flood (a new page and room, 30 messages at 50/s) and prints,
// per run, the first key's latency and its parts (firstKeyParts), and the
// long animation frames from 100 ms before its input to its frame. At the
// end it reports the medians of the parts.
//
//	CHAT_DIST=$PWD/dist app/e2e/speed.sh 'FloodFirstKeyParts$' 10
func BenchmarkFloodFirstKeyParts(b *testing.B) {
	requireSuite(b)
	relay := startRelay(b, speedRelayFlags...)
	var wait, task, toFrame []float64
	for i := range b.N {
		room := fmt.Sprintf("speed-first-key-parts-%d", i)
		p := newPerson(b, fmt.Sprintf("first-key-parts-%d", i))
		p.runOnEveryDocument("install the Event Timing observer", firstKeyPartsJS)
		p.open(roomURL(relay.URL(), room, ""))
		p.waitOnline()
		p.do("focus the composer", chromedp.Focus(chromedp.CSS("#composer")))
		p.eval(keyProbeJS, nil)
		heapAfterGC(b, p) // as BenchmarkFlood does before its flood
		sender := dialSender(b, relay, room, fmt.Sprintf("first-key-parts-sender-%d", i))
		flood(b, p, sender, 30, 50)
		var lat, at []float64
		p.eval(`window.__keys`, &lat)
		p.eval(`window.__keyAt`, &at)
		var rec struct {
			Events []struct {
				Name                              string
				Start, HandlersStart, HandlersEnd float64
			}
			Frames []struct {
				Start, Duration float64
				Scripts         []string
			}
		}
		p.eval(`window.__parts`, &rec)
		if len(lat) == 0 {
			b.Fatalf("run %d: no keypress was measured", i)
		}
		key, end := at[0], at[0]+lat[0]
		parts, seen := firstKeyParts{}, false
		for _, e := range rec.Events { // keydown, keypress, input of the first key
			if e.Start < key-1 || e.Start > end || (e.Name != "keydown" && e.Name != "keypress" && e.Name != "input") {
				continue
			}
			if e.Name == "keydown" && !seen {
				parts.Wait, seen = e.HandlersStart-e.Start, true
			}
			parts.Task = max(parts.Task, e.HandlersEnd-key-parts.Wait)
		}
		if !seen {
			fmt.Printf("run %d: first key %.1f ms: under Event Timing's 16 ms, not taken apart\n", i, lat[0])
		} else {
			parts.ToFrame = lat[0] - parts.Wait - parts.Task
			wait, task, toFrame = append(wait, parts.Wait), append(task, parts.Task), append(toFrame, parts.ToFrame)
			fmt.Printf("run %d: first key %.1f ms: waited %.1f, its task %.1f, then to its frame %.1f\n",
				i, lat[0], parts.Wait, parts.Task, parts.ToFrame)
		}
		for _, f := range rec.Frames {
			if f.Start+f.Duration >= key-100 && f.Start <= end {
				fmt.Printf("  long frame at %+.0f ms from the input, %.0f ms: %v\n", f.Start-key, f.Duration, f.Scripts)
			}
		}
		sender.close()
		p.close()
	}
	if len(wait) > 0 {
		b.ReportMetric(medianOf(wait), "wait-ms")
		b.ReportMetric(medianOf(task), "task-ms")
		b.ReportMetric(medianOf(toFrame), "to-frame-ms")
	}
}
