//go:build !js

package e2e

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"
)

// BenchmarkOpenRoomProfile opens a room of -speed.history messages as
// BenchmarkOpenRoom does, from the relay and then from storage, under the
// V8 CPU profiler (sampling every 200 µs, which slows the page by about a
// third), and prints where the time went: the functions with the most time
// on top of the stack (self), under them (total), and this module's own by
// total; also how many DOM nodes and message rows the open added and
// removed (a row mounted twice would show). Build the site without
// -ldflags="-s -w" (build.sh's WASM_BUILD_FLAGS) to see the wasm's
// function names; the timings it prints are not BenchmarkOpenRoom's.
//
//	CHAT_DIST=/path/to/named/dist app/e2e/speed.sh 'OpenRoomProfile$' 3
func BenchmarkOpenRoomProfile(b *testing.B) {
	requireSuite(b)
	relay := startRelay(b, speedRelayFlags...)
	p := newPerson(b, "profiled-reader")
	p.open(roomURL(relay.URL(), "speed-lobby", ""))
	p.waitOnline()
	p.eval(hashMarkJS, nil)
	n := *speedHistory
	for i := range b.N {
		room := fmt.Sprintf("speed-profile-%d", i)
		sender, last := seedHistory(b, relay, room, fmt.Sprintf("profile-sender-%d", i), n)
		for _, from := range []string{"relay", "storage"} {
			p.eval(mutationCounterJS, nil)
			startProfile(b, p)
			ms, _ := openRoomTimed(b, p, room, last)
			prof := stopProfile(b, p)
			saveProfile(b, prof, fmt.Sprintf("open-%d-%s", i, from))
			var muts map[string]any
			p.eval(`window.__muts`, &muts)
			fmt.Printf("open %d from %s: %.0f ms, DOM mutations %v\n%s", i, from, ms, muts, profileSummary(prof, 45))
			switchRoom(p, "speed-lobby")
		}
		sender.close()
	}
}

// speedProfileDir, when set, keeps each open's profile as NAME.cpuprofile
// (Chrome DevTools' Performance panel loads it) for a closer look than the
// summary.
var speedProfileDir = flag.String("speed.profile-dir", "",
	"BenchmarkOpenRoomProfile: a directory to write each open's V8 CPU profile into")

// saveProfile writes prof into -speed.profile-dir, if set.
func saveProfile(b *testing.B, prof *profiler.Profile, name string) {
	b.Helper()
	if *speedProfileDir == "" {
		return
	}
	data, err := json.Marshal(prof)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*speedProfileDir, name+".cpuprofile"), data, 0o644); err != nil {
		b.Fatal(err)
	}
}

// startProfile starts the V8 CPU profiler in p's page.
func startProfile(b *testing.B, p *person) {
	b.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, profiler.Enable, cdp.Empty{}); err != nil {
		b.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 200}); err != nil {
		b.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, profiler.Start, cdp.Empty{}); err != nil {
		b.Fatal(err)
	}
}

// stopProfile stops the profiler and returns what it sampled.
func stopProfile(b *testing.B, p *person) *profiler.Profile {
	b.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, profiler.Stop, cdp.Empty{})
	if err != nil {
		b.Fatal(err)
	}
	return res.Profile
}

// profileSummary lists the top functions by self and by total time (a
// function counted once per sample however often it is on the stack).
func profileSummary(prof *profiler.Profile, top int) string {
	parent := map[int64]int64{}
	byID := map[int64]*profiler.ProfileNode{}
	for _, n := range prof.Nodes {
		byID[n.ID] = n
		for _, c := range n.Children {
			parent[c] = n.ID
		}
	}
	name := func(n *profiler.ProfileNode) string {
		f := n.CallFrame.FunctionName
		if f == "" {
			f = "(anonymous " + n.CallFrame.URL + ")"
		}
		return f
	}
	self, total := map[string]int64{}, map[string]int64{}
	for i, id := range prof.Samples {
		dt := int64(0)
		if i+1 < len(prof.TimeDeltas) {
			dt = prof.TimeDeltas[i+1]
		}
		self[name(byID[id])] += dt
		seen := map[string]bool{}
		for cur, ok := id, true; ok; cur, ok = parent[cur] {
			f := name(byID[cur])
			if !seen[f] {
				seen[f] = true
				total[f] += dt
			}
		}
	}
	list := func(m map[string]int64) string {
		return listTop(m, top, "")
	}
	// The timeline: runs of samples under the same outermost frame of
	// timelineFrames, in order.
	timeline := ""
	label, runStart, runLen := "", int64(0), int64(0)
	at := int64(0)
	for i, id := range prof.Samples {
		dt := int64(0)
		if i+1 < len(prof.TimeDeltas) {
			dt = prof.TimeDeltas[i+1]
		}
		at += prof.TimeDeltas[i]
		l := "other"
		for cur, ok := id, true; ok; cur, ok = parent[cur] {
			f := name(byID[cur])
			if slices.ContainsFunc(timelineFrames, func(t string) bool { return strings.HasSuffix(f, t) }) {
				l = f
			}
		}
		if l != label {
			if runLen >= 2000 {
				timeline += fmt.Sprintf("  %7.1f ms +%6.1f ms  %s\n", float64(runStart)/1000, float64(runLen)/1000, label)
			}
			label, runStart, runLen = l, at, 0
		}
		runLen += dt
	}
	timeline += fmt.Sprintf("  %7.1f ms +%6.1f ms  %s\n", float64(runStart)/1000, float64(runLen)/1000, label)
	return "timeline (runs ≥ 2 ms):\n" + timeline + "self:\n" + list(self) + "total:\n" + list(total) + "ours, total:\n" + listTop(total, 60, "chatpwa")
}

// listTop formats the top entries of m whose names contain filter.
func listTop(m map[string]int64, top int, filter string) string {
	{
		type kv struct {
			k string
			v int64
		}
		var s []kv
		for k, v := range m {
			if !strings.Contains(k, filter) {
				continue
			}
			s = append(s, kv{k, v})
		}
		slices.SortFunc(s, func(a, b kv) int { return cmp.Compare(b.v, a.v) })
		out := ""
		for i, e := range s {
			if i == top {
				break
			}
			out += fmt.Sprintf("  %7.1f ms  %s\n", float64(e.v)/1000, e.k)
		}
		return out
	}
}

// hashMarkJS marks the moment the room's fragment changes in the profile:
// a capturing listener runs before the page's own, and spins for 0.6 ms in
// a named function, long enough for the 200 µs sampling to see it.
const hashMarkJS = `window.addEventListener('hashchange', function __hashchangeMark() {
	const t = performance.now();
	while (performance.now() - t < 0.6) {}
}, true)`

// mutationCounterJS counts the page's DOM changes from now on.
const mutationCounterJS = `(() => {
	if (window.__mutObs) window.__mutObs.disconnect();
	const m = window.__muts = {added: 0, removed: 0, attrs: 0, text: 0, addedMsgRows: 0, removedMsgRows: 0};
	window.__mutObs = new MutationObserver(records => {
		for (const r of records) {
			if (r.type === 'attributes') m.attrs++;
			else if (r.type === 'characterData') m.text++;
			else {
				m.added += r.addedNodes.length; m.removed += r.removedNodes.length;
				for (const n of r.addedNodes) if (n.matches && n.matches('li.msg')) m.addedMsgRows++;
				for (const n of r.removedNodes) if (n.matches && n.matches('li.msg')) m.removedMsgRows++;
			}
		}
	});
	window.__mutObs.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
})()`

// timelineFrames are the steps of an open that profileSummary's timeline
// tells apart (function name suffixes).
var timelineFrames = []string{
	"__hashchangeMark", "(idle)", "(garbage collector)", "gcBgMarkWorker", "gcAssistAlloc",
	"__Client_.handleFrame", "__sharedLink_.readLoop", "__Client_.View", "persistHistoryLocked", "saveHistoryLocked",
	"__ChatApp_.onView", "__ChatApp_.OnNav", "nodeManager.Mount", "nodeManager.Update", "__MessageList_.OnUpdate",
	"scrollToBottom", "__engineX_.processFrame",
}
