//go:build !js

package e2e

import (
	"cmp"
	"context"
	"encoding/base64"
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

var (
	speedSlow = flag.Float64("speed.slow", 40,
		"BenchmarkFloodProfile: a keypress slower than this (ms) is taken apart")
	speedProfile = flag.Int("speed.profile", 0,
		"BenchmarkFloodProfile: V8 CPU profiler sampling interval in µs (0: no profiler)")
	speedGodebug = flag.String("speed.godebug", "gctrace=1",
		"BenchmarkFloodProfile: GODEBUG of the page's Go program")
)

// BenchmarkFloodProfile is not a measurement but a look inside one: it runs
// BenchmarkFlood's flood and records, in the page, every stretch of Go
// running on the main thread (each call into the wasm from JavaScript: an
// event, a timer, a callback), the Go runtime's gctrace lines and every
// DOM-changing task, with their times. For every keypress slower than
// -speed.slow it then prints what ran between the key's input and the
// frame after it; with -speed.profile, also where the V8 CPU profiler saw
// the time go then (build the site without -ldflags="-s -w" to see Go's
// function names). The profiler slows the page: its latencies are not
// BenchmarkFlood's. The record and the profile are also written to
// $TMPDIR/chat-flood-record.json and chat-flood.cpuprofile.
//
//	CHAT_DIST=$PWD/dist app/e2e/speed.sh 'FloodProfile$' 1
//	SPEED_ARGS='-speed.profile 500' CHAT_DIST=/named/dist app/e2e/speed.sh 'FloodProfile$' 1
func BenchmarkFloodProfile(b *testing.B) {
	requireSuite(b)
	relay := startRelay(b, speedRelayFlags...)
	for i := range b.N {
		room := fmt.Sprintf("speed-flood-profile-%d", i)
		p := newPerson(b, fmt.Sprintf("flood-profile-%d", i))
		p.runOnEveryDocument("install the flood probe", fmt.Sprintf(floodProbeJS, jsString(*speedGodebug)))
		p.open(roomURL(relay.URL(), room, ""))
		p.waitOnline()
		p.do("focus the composer", chromedp.Focus(chromedp.CSS("#composer")))
		p.eval(keyProbeJS, nil)
		sender := dialSender(b, relay, room, fmt.Sprintf("flood-profile-sender-%d", i))
		var offset float64 // profile µs/1000 − performance.now() ms
		if *speedProfile > 0 {
			startProfileEvery(b, p, *speedProfile)
			var mark float64
			p.eval(floodMarkJS, &mark)
			offset = mark // completed once the profile is read
		}
		p.eval(`window.__flood.reset()`, nil)
		keys, _ := flood(b, p, sender, *speedMessages, *speedRate)
		var prof *profiler.Profile
		if *speedProfile > 0 {
			prof = stopProfile(b, p)
			offset = profileMark(b, prof) - offset
		}
		var heap string
		p.eval(`window.__goHeapProfile ? window.__goHeapProfile() : ''`, &heap)
		if heap != "" {
			raw, err := base64.StdEncoding.DecodeString(heap)
			if err != nil {
				b.Fatalf("the heap profile: %v", err)
			}
			if err := os.WriteFile(filepath.Join(os.TempDir(), "chat-flood.heap"), raw, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		var rec floodRecord
		p.eval(`window.__flood.read()`, &rec)
		writeJSON(b, filepath.Join(os.TempDir(), "chat-flood-record.json"), map[string]any{"record": rec, "offset": offset})
		if prof != nil {
			// DevTools' Performance panel loads a .cpuprofile.
			writeJSON(b, filepath.Join(os.TempDir(), "chat-flood.cpuprofile"), prof)
		}
		// Printed, not logged: the testing package cuts a benchmark's log short.
		fmt.Printf("flood %d: %d keys\n%s", i, keys, rec.report(*speedSlow, prof, offset))
		sender.close()
		p.close()
	}
}

func writeJSON(b *testing.B, name string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(name, raw, 0o644); err != nil {
		b.Fatal(err)
	}
}

// floodProbeJS records, in performance.now() ms, every call into the Go
// program that ran for 1 ms or more (runs: start, duration; nested calls
// count in the outermost), the Go runtime's gctrace lines (written to
// console.log by wasm_exec.js) and every task that changed the DOM
// (mutations: the MutationObserver's callback time). %s is GODEBUG.
const floodProbeJS = `(() => {
	const f = window.__flood = {runs: [], gc: [], mutations: []};
	const now = () => performance.now();
	f.reset = () => { f.runs = []; f.gc = []; f.mutations = []; };
	f.read = () => ({runs: f.runs, gc: f.gc, mutations: f.mutations, keys: window.__keys, keyAt: window.__keyAt});
	const godebug = %s;
	const prev = Object.getOwnPropertyDescriptor(window, 'Go');
	let Go, depth = 0;
	Object.defineProperty(window, 'Go', {
		configurable: true,
		get() { return Go; },
		set(Original) {
			if (prev && prev.set) { prev.set(Original); Original = prev.get(); }
			Go = class extends Original {
				constructor() { super(); if (godebug) this.env.GODEBUG = godebug; }
				_resume() {
					const t = now();
					depth++;
					try { return super._resume(); } finally {
						depth--;
						const d = now() - t;
						if (depth === 0 && d >= 1) f.runs.push([t, d]);
					}
				}
			};
		},
	});
	const log = console.log;
	console.log = function (...args) {
		const s = String(args[0]);
		if (s.startsWith('gc ')) f.gc.push([now(), s]);
		return log.apply(this, args);
	};
	new MutationObserver(() => f.mutations.push(now())).observe(document,
		{subtree: true, childList: true, characterData: true, attributes: true});
})()`

// floodMarkJS runs a function named __floodMark for 5 ms and returns when
// it started: its samples place the profile's clock on performance.now().
const floodMarkJS = `(() => {
	const t = performance.now();
	(function __floodMark() { while (performance.now() - t < 5) {} })();
	return t;
})()`

// startProfileEvery starts the V8 CPU profiler, sampling every interval µs.
func startProfileEvery(b *testing.B, p *person, interval int) {
	b.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, profiler.Enable, cdp.Empty{}); err != nil {
		b.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: int64(interval)}); err != nil {
		b.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, profiler.Start, cdp.Empty{}); err != nil {
		b.Fatal(err)
	}
}

// profileSample is one sample: its time (ms, profile clock) and stack,
// innermost first.
type profileSample struct {
	at    float64
	stack []string
}

// profileSamples lists prof's samples with their stacks.
func profileSamples(prof *profiler.Profile) []profileSample {
	parent := map[int64]int64{}
	byID := map[int64]*profiler.ProfileNode{}
	for _, n := range prof.Nodes {
		byID[n.ID] = n
		for _, c := range n.Children {
			parent[c] = n.ID
		}
	}
	stacks := map[int64][]string{}
	at := float64(prof.StartTime)
	out := make([]profileSample, 0, len(prof.Samples))
	for i, id := range prof.Samples {
		if i < len(prof.TimeDeltas) {
			at += float64(prof.TimeDeltas[i])
		}
		stack, ok := stacks[id]
		if !ok {
			for cur, ok := id, true; ok; cur, ok = parent[cur] {
				f := byID[cur].CallFrame.FunctionName
				if f == "" {
					f = "(anonymous)"
				}
				stack = append(stack, f)
			}
			stacks[id] = stack
		}
		out = append(out, profileSample{at: at / 1000, stack: stack})
	}
	return out
}

// profileMark returns the profile time (ms) of the first sample in
// __floodMark.
func profileMark(b *testing.B, prof *profiler.Profile) float64 {
	for _, s := range profileSamples(prof) {
		if slices.Contains(s.stack, "__floodMark") {
			return s.at
		}
	}
	b.Fatal("the profile has no sample of __floodMark")
	return 0
}

// floodRecord is what floodProbeJS and keyProbeJS recorded.
type floodRecord struct {
	Runs      [][2]float64 `json:"runs"`
	GC        [][2]any     `json:"gc"`
	Mutations []float64    `json:"mutations"`
	Keys      []float64    `json:"keys"`
	KeyAt     []float64    `json:"keyAt"`
}

// floodGCLabels is how many of floodLabels are the garbage collectors'.
const floodGCLabels = 6

// floodLabels are the frames a slow key's samples are grouped by: the
// outermost of them on each sample's stack.
var floodLabels = []string{
	"(garbage collector)", "runtime.gcBgMarkWorker", "runtime.gcAssistAlloc", "runtime.gcStart", "runtime.bgsweep", "runtime.bgscavenge",
	"persistHistoryLocked", "saveHistoryLocked", "loadHistory", "mergeHistory", "encoding/json.Marshal", "encoding/json.Unmarshal",
	"__Client_.handleFrame", "__sharedLink_.readLoop", "__Client_.View", "__session_.watch",
	"__ChatApp_.onView", "__MessageList_.OnUpdate", "__ChatApp_.Render", "__MessageList_.Render",
	"nodeManager.Mount", "nodeManager.Update", "__engineX_.processFrame", "__engineX_.render",
	"syscall/js.", "(program)", "(idle)",
}

// report summarises the record: renders per second, Go's long runs, the
// GC cycles and, for every key slower than slow ms, what ran while it
// waited (and, with prof, where the samples were; offset places
// performance.now() on the profile's clock).
func (r floodRecord) report(slow float64, prof *profiler.Profile, offset float64) string {
	var out strings.Builder
	if len(r.Mutations) > 0 {
		perSecond := map[int]int{}
		for _, t := range r.Mutations {
			perSecond[int(t/1000)]++
		}
		counts := make([]int, 0, len(perSecond))
		for _, n := range perSecond {
			counts = append(counts, n)
		}
		slices.Sort(counts)
		fmt.Fprintf(&out, "DOM-changing tasks: %d in %d s; per second median %d, max %d\n",
			len(r.Mutations), len(perSecond), counts[len(counts)/2], counts[len(counts)-1])
	}
	durs := make([]float64, 0, len(r.Runs))
	total := 0.0
	for _, run := range r.Runs {
		durs = append(durs, run[1])
		total += run[1]
	}
	slices.Sort(durs)
	if n := len(durs); n > 0 {
		fmt.Fprintf(&out, "Go runs ≥ 1 ms: %d, %.0f ms in all; p50 %.1f, p95 %.1f, p99 %.1f, max %.1f ms; ≥ 16 ms: %d, ≥ 30 ms: %d\n",
			n, total, durs[n/2], durs[n*95/100], durs[n*99/100], durs[n-1], countAtLeast(durs, 16), countAtLeast(durs, 30))
	}
	fmt.Fprintf(&out, "GC cycles: %d\n", len(r.GC))
	for _, g := range r.GC {
		fmt.Fprintf(&out, "  %8.0f ms  %v\n", g[0], g[1])
	}
	var samples []profileSample
	if prof != nil {
		samples = profileSamples(prof)
		out.WriteString(samplesOverall(samples))
	}
	lat := slices.Clone(r.Keys)
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		fmt.Fprintf(&out, "keys: %d, max %.1f, p99 %.1f, p95 %.1f, median %.1f ms\n", n, lat[n-1], lat[n*99/100], lat[n*95/100], lat[n/2])
	}
	for i, l := range r.Keys {
		if l < slow || i >= len(r.KeyAt) {
			continue
		}
		t0 := r.KeyAt[i]
		fmt.Fprintf(&out, "key at %.0f ms: %.1f ms\n", t0, l)
		from, to := t0-50, t0+l
		for _, run := range r.Runs {
			if run[0] < to && run[0]+run[1] > from {
				fmt.Fprintf(&out, "    Go run %+7.1f ms, %5.1f ms\n", run[0]-t0, run[1])
			}
		}
		for _, g := range r.GC {
			if at, _ := g[0].(float64); at > from && at < to+50 {
				fmt.Fprintf(&out, "    GC ended %+7.1f ms: %v\n", at-t0, g[1])
			}
		}
		m := 0
		for _, t := range r.Mutations {
			if t > t0 && t < to {
				m++
			}
		}
		fmt.Fprintf(&out, "    DOM-changing tasks meanwhile: %d\n", m)
		if samples != nil {
			out.WriteString(samplesBetween(samples, from+offset, to+offset))
		}
	}
	return out.String()
}

func countAtLeast(sorted []float64, v float64) int {
	i, _ := slices.BinarySearch(sorted, v)
	return len(sorted) - i
}

// samplesBetween sums the samples in [from, to) (profile ms) by their
// outermost floodLabels frame, and lists the top self frames.
func samplesBetween(samples []profileSample, from, to float64) string {
	byLabel, self := map[string]float64{}, map[string]float64{}
	for i, s := range samples {
		if s.at < from || s.at >= to || i+1 >= len(samples) {
			continue
		}
		dt := samples[i+1].at - s.at
		label := "other"
		for _, f := range s.stack {
			if slices.ContainsFunc(floodLabels, func(l string) bool { return strings.Contains(f, l) }) {
				label = f // the outermost wins: the stack is innermost first
			}
		}
		for _, f := range s.stack { // but the collector's work wins over what it interrupted
			if slices.ContainsFunc(floodLabels[:floodGCLabels], func(l string) bool { return strings.Contains(f, l) }) {
				label = f
				break
			}
		}
		byLabel[label] += dt
		self[s.stack[0]] += dt
	}
	return "    by outermost step:\n" + topMs(byLabel, 8) + "    self:\n" + topMs(self, 8)
}

func topMs(m map[string]float64, top int) string {
	type kv struct {
		k string
		v float64
	}
	s := make([]kv, 0, len(m))
	for k, v := range m {
		s = append(s, kv{k, v})
	}
	slices.SortFunc(s, func(a, b kv) int { return cmp.Compare(b.v, a.v) })
	var out strings.Builder
	for i, e := range s {
		if i == top {
			break
		}
		fmt.Fprintf(&out, "      %6.1f ms  %s\n", e.v, e.k)
	}
	return out.String()
}

// samplesOverall is where the whole flood's samples were: the top frames
// by total time (a frame counted once per sample), this module's and
// go-app's among them, and who allocated (the first frame outside the
// runtime above runtime.mallocgc).
func samplesOverall(samples []profileSample) string {
	total, allocs := map[string]float64{}, map[string]float64{}
	for i, s := range samples {
		if i+1 >= len(samples) {
			break
		}
		dt := samples[i+1].at - s.at
		seen := map[string]bool{}
		for _, f := range s.stack {
			if !seen[f] {
				seen[f] = true
				total[f] += dt
			}
		}
		if j := slices.IndexFunc(s.stack, func(f string) bool { return strings.HasPrefix(f, "runtime.mallocgc") }); j >= 0 {
			for _, f := range s.stack[j:] {
				if !strings.HasPrefix(f, "runtime.") && !strings.HasPrefix(f, "internal/") {
					allocs[f] += dt
					break
				}
			}
		}
	}
	filtered := func(sub string) map[string]float64 {
		m := map[string]float64{}
		for k, v := range total {
			if strings.Contains(k, sub) {
				m[k] = v
			}
		}
		return m
	}
	return "whole flood, total:\n" + topMs(total, 40) + "ours, total:\n" + topMs(filtered("chatpwa"), 40) +
		"go-app, total:\n" + topMs(filtered("go-app"), 25) + "allocating (under mallocgc):\n" + topMs(allocs, 30)
}
