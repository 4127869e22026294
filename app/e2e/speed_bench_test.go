//go:build !js

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/cdproto/systeminfo"
	"github.com/chromedp/chromedp"
)

// The app's own speed, as a person waits for it (issue 14 §3). These are
// benchmarks, not tests: `go test` without -bench never runs them, and they
// assert nothing about time. Run them with app/e2e/speed.sh, or:
//
//	go test -run '^$' -bench . -benchtime 3x ./app/e2e/
//	go test -run '^$' -bench Flood -benchtime 1x ./app/e2e/ -args -speed.rate 500
//
// Every metric is a median over the b.N runs (ms, bytes, MB); b.Logf shows
// each run. The relay runs on loopback, so the network costs nothing but the
// bytes: what is measured is the browser and the app.
var (
	speedRate = flag.Float64("speed.rate", 50,
		"BenchmarkFlood: messages per second sent into the open page")
	speedMessages = flag.Int("speed.messages", 5000,
		"BenchmarkFlood: messages sent into the open page")
	speedHistory = flag.Int("speed.history", 500,
		"BenchmarkOpenRoom: messages in the room's history (the relay keeps -history 500 by default)")
	// On 2 cores a Chromium just launched still does its own start-up work
	// for a few seconds, and a cold start navigated at once competes with it
	// (BENCHMARKS.md, "Final run … session 15"): by default the benchmark
	// keeps the old definition, a browser launched for the visit.
	speedColdAfter = flag.Duration("speed.cold-after", 0,
		"BenchmarkColdStart: how long the new browser is open before the person navigates")
)

// speedRelayFlags lift the relay's per-connection rate so that the
// benchmarks' plain WebSocket sender can fill a room as fast as it likes,
// and its queue, so that the echoes of 500 messages sent at once do not
// drop that sender as a slow consumer on a busy machine (it did, at -queue
// 256). The page under test reads at its own pace either way.
var speedRelayFlags = []string{"-rate", "100000", "-burst", "100000", "-queue", "4096"}

// startTimes is one start of the app, in ms since the navigation began
// (speedTimesJS); -1 when a step was not seen.
type startTimes struct {
	HTML         float64 `json:"html"`
	WasmStart    float64 `json:"wasmStart"`
	WasmFetched  float64 `json:"wasmFetched"`
	CompileStart float64 `json:"compileStart"`
	Compiled     float64 `json:"compiled"`
	RunStart     float64 `json:"runStart"`
	FirstJSCall  float64 `json:"firstJSCall"`
	RunReturned  float64 `json:"runReturned"`
	Running      float64 `json:"running"`
	Online       float64 `json:"online"`
	Controlled   bool    `json:"controlled"`
	// The compile worker's steps (web/wasm-compile.js), when it compiled.
	Worker struct {
		Started   float64 `json:"started"`
		Requested float64 `json:"requested"`
		Fetched   float64 `json:"fetched"`
		Compiled  float64 `json:"compiled"`
		Received  float64 `json:"received"`
		Source    string  `json:"source"`
	} `json:"worker"`
}

func (s startTimes) String() string {
	return fmt.Sprintf("html %.0f, wasm fetch %.0f→%.0f, instantiate %.0f→%.0f, go.run %.0f, first syscall/js %.0f, "+
		"main blocked %.0f, running %.0f, online %.0f ms (service worker in control: %v)%s",
		s.HTML, s.WasmStart, s.WasmFetched, s.CompileStart, s.Compiled, s.RunStart, s.FirstJSCall,
		s.RunReturned, s.Running, s.Online, s.Controlled, s.workerSteps())
}

// workerSteps describes the compile worker's steps, "" when none compiled.
func (s startTimes) workerSteps() string {
	w := s.Worker
	if w.Received == 0 {
		return ""
	}
	return fmt.Sprintf("; compile worker: started %.0f, wasm from %s %.0f→%.0f, compiled %.0f, module in the page %.0f ms",
		w.Started, w.Source, w.Requested, w.Fetched, w.Compiled, w.Received)
}

// startMetrics collects startTimes over the runs and reports their medians.
type startMetrics struct{ runs []startTimes }

func (m *startMetrics) report(b *testing.B, prefix string) {
	pick := func(f func(startTimes) float64) float64 {
		var v []float64
		for _, r := range m.runs {
			v = append(v, f(r))
		}
		return medianOf(v)
	}
	b.ReportMetric(pick(func(s startTimes) float64 { return s.Running }), prefix+"running-ms")
	b.ReportMetric(pick(func(s startTimes) float64 { return s.Online }), prefix+"online-ms")
	b.ReportMetric(pick(func(s startTimes) float64 { return s.WasmFetched }), prefix+"wasm-fetched-ms")
	b.ReportMetric(pick(func(s startTimes) float64 { return s.Compiled }), prefix+"instantiated-ms")
	b.ReportMetric(pick(func(s startTimes) float64 { return s.RunReturned - s.RunStart }), prefix+"go-start-ms")
	b.ReportMetric(pick(func(s startTimes) float64 { return s.FirstJSCall - s.RunStart }), prefix+"go-runtime-init-ms")
}

// startPage opens url in p with the start probe installed, waits until the
// app is online and returns the times of that start.
func startPage(b *testing.B, p *person, url string) startTimes {
	b.Helper()
	p.do("open "+url, chromedp.Navigate("about:blank"), chromedp.Navigate(url))
	p.poll("the app to run and connect", waitTimeout,
		`() => window.__speed && window.__speed.online !== undefined`)
	var times startTimes
	p.eval(speedTimesJS, &times)
	return times
}

// installStartProbe makes every document p opens run speedProbeJS first.
func installStartProbe(p *person) {
	p.runOnEveryDocument("install the start probe", speedProbeJS)
}

// BenchmarkColdStart: a person opens the chat for the first time (a new
// browser profile: empty HTTP cache, no service worker). Reported: when the
// app runs (go-app's loader gone) and when it is online, the steps between,
// and the bytes it cost: pageBytes from the DevTools protocol (the page's
// requests, encodedDataLength: headers and compressed bodies), wireBytes
// counted on the TCP connections between browser and relay (everything: the
// service worker's precaching, the WebSocket).
func BenchmarkColdStart(b *testing.B) {
	requireSuite(b)
	relay := startRelay(b, speedRelayFlags...)
	wire := newByteCounter(b, relay.addr)
	url := roomURL(wire.URL(), "speed-start", "")

	var metrics startMetrics
	var pageBytes, wireBytes []float64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		p := newPerson(b, fmt.Sprintf("cold-%d", i))
		// Not a wait for a condition: the scenario of a browser that has
		// been open for a while (-speed.cold-after).
		time.Sleep(*speedColdAfter)
		installStartProbe(p)
		pageBytesSoFar := countPageBytes(p)
		wire.Reset()
		b.StartTimer()

		times := startPage(b, p, url)

		b.StopTimer()
		metrics.runs = append(metrics.runs, times)
		pageBytes = append(pageBytes, pageBytesSoFar())
		wireBytes = append(wireBytes, float64(wire.Bytes()))
		b.Logf("cold %d: %v; page %.0f bytes, wire %d bytes", i, times, pageBytesSoFar(), wire.Bytes())
		p.close()
	}
	metrics.report(b, "")
	b.ReportMetric(medianOf(pageBytes), "page-bytes")
	b.ReportMetric(medianOf(wireBytes), "wire-bytes")
}

// BenchmarkWarmStart: the person comes back. The first visit installed the
// service worker, which now serves every file from its cache; each run
// leaves the page and opens the chat again.
func BenchmarkWarmStart(b *testing.B) { benchmarkWarmStart(b, "warm", nil) }

// BenchmarkWarmStartIdle: the person comes back after a while. As in
// BenchmarkWarmStart the service worker's cache has every file, but the
// worker itself is stopped, as Chrome stops it once idle (about 30 s):
// whatever goes through its fetch handler waits for it to start again.
func BenchmarkWarmStartIdle(b *testing.B) {
	benchmarkWarmStart(b, "idle", func(p *person) {
		p.do("leave the page and stop the service worker", chromedp.Navigate("about:blank"),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				if _, err := cdp.Call(ctx, tg, serviceworker.Enable, cdp.Empty{}); err != nil {
					return err
				}
				_, err := cdp.Call(ctx, tg, serviceworker.StopAllWorkers, cdp.Empty{})
				return err
			}))
	})
}

// benchmarkWarmStart times starts of a page the service worker serves from
// its cache, each after before (untimed; nil: none).
func benchmarkWarmStart(b *testing.B, name string, before func(p *person)) {
	requireSuite(b)
	relay := startRelay(b, speedRelayFlags...)
	url := roomURL(relay.URL(), "speed-start", "")
	p := newPerson(b, name)
	warmUp(b, p, url)

	var metrics startMetrics
	b.ResetTimer()
	for i := range b.N {
		if before != nil {
			b.StopTimer()
			before(p)
			b.StartTimer()
		}
		times := startPage(b, p, url)
		b.StopTimer()
		if !times.Controlled {
			b.Fatalf("%s %d: the page was not served by the service worker", name, i)
		}
		metrics.runs = append(metrics.runs, times)
		b.Logf("%s %d: %v", name, i, times)
		b.StartTimer()
	}
	metrics.report(b, "")
}

// BenchmarkOpenRoom: the app is running in one room; the person opens
// another that holds -speed.history messages (the relay's whole window). It
// reports the time from the new URL fragment to the frame that shows the
// newest of them (with the window of messages the list renders): first from the relay (nothing stored yet), then again from the
// browser's storage after visiting another room.
func BenchmarkOpenRoom(b *testing.B) {
	requireSuite(b)
	relay := startRelay(b, speedRelayFlags...)
	p := newPerson(b, "reader")
	p.open(roomURL(relay.URL(), "speed-lobby", ""))
	p.waitOnline()

	n := *speedHistory
	var fromRelay, fromStore, shownMessages []float64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		room := fmt.Sprintf("speed-history-%d", i)
		sender, last := seedHistory(b, relay, room, fmt.Sprintf("history-sender-%d", i), n)
		b.StartTimer()

		relayMS, shown := openRoomTimed(b, p, room, last)
		b.StopTimer()
		switchRoom(p, "speed-lobby")
		b.StartTimer()
		storeMS, storeShown := openRoomTimed(b, p, room, last)

		b.StopTimer()
		fromRelay, fromStore = append(fromRelay, relayMS), append(fromStore, storeMS)
		b.Logf("open %d: a room of %d messages; from the relay in %.0f ms (%d on screen), from storage in %.0f ms (%d on screen)",
			i, n, relayMS, shown, storeMS, storeShown)
		shownMessages = append(shownMessages, float64(shown))
		switchRoom(p, "speed-lobby")
		sender.close()
		b.StartTimer()
	}
	b.ReportMetric(medianOf(fromRelay), "relay-open-ms")
	b.ReportMetric(medianOf(fromStore), "stored-open-ms")
	b.ReportMetric(medianOf(shownMessages), "dom-messages")
}

// openRoomTimed opens room in the running page and returns the ms until the
// frame showing its newest message, which reads last, and how many messages
// that frame shows.
func openRoomTimed(b *testing.B, p *person, room, last string) (ms float64, shown int) {
	b.Helper()
	args, err := json.Marshal([]any{room, last, waitTimeout.Milliseconds()})
	if err != nil {
		b.Fatal(err)
	}
	var opened struct {
		MS    float64 `json:"ms"`
		Shown int     `json:"shown"`
	}
	p.eval(fmt.Sprintf(`(%s)(...JSON.parse(%s))`, openRoomJS, jsString(string(args))), &opened)
	return opened.MS, opened.Shown
}

// switchRoom opens room in the running page and waits until it is online.
func switchRoom(p *person, room string) {
	p.t.Helper()
	p.eval(fmt.Sprintf(`location.hash = '#room=' + %s`, jsString(room)), nil)
	p.poll("room "+room+" online", waitTimeout,
		`(room) => document.querySelector('#room-name').textContent === room &&
			document.querySelector('#conn-state').dataset.state === 'online'`, room)
}

// BenchmarkFlood: -speed.messages messages arrive at -speed.rate per second
// into an open page while the person types (a key every keyInterval, 'x'
// and Backspace in turn, into the composer). Reported: the slowest and the
// 95th percentile keypress → next frame, the JS heap after a garbage
// collection before and after the flood and the largest seen during it, the
// Go program's linear memory at the end, how many messages the page
// keeps in the DOM, and the CPU time its renderer used for the flood.
func BenchmarkFlood(b *testing.B) {
	requireSuite(b)
	relay := startRelay(b, speedRelayFlags...)
	var keyMax, keyP95, heapBefore, heapAfter, heapMax, wasmMem, domMessages, cpu []float64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		room := fmt.Sprintf("speed-flood-%d", i)
		p := newPerson(b, fmt.Sprintf("flood-%d", i))
		installStartProbe(p) // for the Go program's memory
		p.open(roomURL(relay.URL(), room, ""))
		p.waitOnline()
		p.do("focus the composer", chromedp.Focus(chromedp.CSS("#composer")))
		p.eval(keyProbeJS, nil)
		before := heapAfterGC(b, p)
		sender := dialSender(b, relay, room, fmt.Sprintf("flood-sender-%d", i))
		b.StartTimer()

		cpuBefore := rendererCPU(b, p)
		keys, peak := flood(b, p, sender, *speedMessages, *speedRate)
		cpuFlood := rendererCPU(b, p) - cpuBefore

		b.StopTimer()
		var lat, at []float64
		p.eval(`window.__keys`, &lat)
		p.eval(`window.__keyAt`, &at)
		if len(lat) == 0 {
			b.Fatalf("flood %d: no keypress was measured (%d sent)", i, keys)
		}
		b.Logf("flood %d: keys over %.0f ms, at s into the flood: %s", i, floodSlowKey, slowKeys(lat, at))
		// Printed, not logged: the testing package cuts a benchmark's log
		// short, and the first key is where a new page pays for its firsts.
		fmt.Printf("flood %d: first key %.1f ms, max %.1f ms\n", i, lat[0], slices.Max(lat))
		after := heapAfterGC(b, p)
		var mem, shown float64
		p.eval(`window.__speedWasmMemory()`, &mem)
		p.eval(`document.querySelectorAll('#messages li.msg').length`, &shown)
		slices.Sort(lat)
		keyMax = append(keyMax, lat[len(lat)-1])
		keyP95 = append(keyP95, lat[len(lat)*95/100])
		heapBefore = append(heapBefore, before/1e6)
		heapAfter = append(heapAfter, after/1e6)
		heapMax = append(heapMax, max(peak, after)/1e6)
		wasmMem = append(wasmMem, mem/1e6)
		domMessages = append(domMessages, shown)
		cpu = append(cpu, cpuFlood)
		b.Logf("flood %d: %d messages at %.0f/s; %d keys (%d measured): max %.1f ms, p99 %.1f ms, p95 %.1f ms, median %.1f ms; "+
			"JS heap %.1f MB before, %.1f MB after (GC), %.1f MB peak; Go memory %.1f MB; %0.f messages in the DOM; renderer CPU %.1f s",
			i, *speedMessages, *speedRate, keys, len(lat), lat[len(lat)-1], lat[len(lat)*99/100], lat[len(lat)*95/100], lat[len(lat)/2],
			before/1e6, after/1e6, max(peak, after)/1e6, mem/1e6, shown, cpuFlood)
		sender.close()
		p.close()
		b.StartTimer()
	}
	b.ReportMetric(medianOf(keyMax), "key-max-ms")
	b.ReportMetric(medianOf(keyP95), "key-p95-ms")
	b.ReportMetric(medianOf(heapBefore), "heap-before-MB")
	b.ReportMetric(medianOf(heapAfter), "heap-after-MB")
	b.ReportMetric(medianOf(heapMax), "heap-peak-MB")
	b.ReportMetric(medianOf(wasmMem), "go-memory-MB")
	b.ReportMetric(medianOf(domMessages), "dom-messages")
	b.ReportMetric(medianOf(cpu), "renderer-cpu-s")
}

// floodSlowKey is the keypress latency (ms) over which BenchmarkFlood lists
// a key with its time: whether the slow keys come at the start, at a
// period or at random says what delayed them.
const floodSlowKey = 35.0

// slowKeys lists the keys of lat over floodSlowKey as "latency@seconds",
// the seconds counted from the first key (at: each key's keydown time, ms).
func slowKeys(lat, at []float64) string {
	if len(at) != len(lat) || len(at) == 0 {
		return "(no times)"
	}
	var out []string
	for i, l := range lat {
		if l > floodSlowKey {
			out = append(out, fmt.Sprintf("%.1f@%.1f", l, (at[i]-at[0])/1000))
		}
	}
	return strings.Join(out, " ")
}

// rendererCPU is the CPU time (s) p's renderer processes have used: the
// page's work, what a flood costs it, whatever else the machine runs at
// the same time (which only stretches the wall-clock times).
func rendererCPU(b *testing.B, p *person) float64 {
	b.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	info, err := chromedp.CallBrowser(ctx, systeminfo.GetProcessInfo, cdp.Empty{})
	if err != nil {
		b.Fatalf("%s: SystemInfo.getProcessInfo: %v", p.name, err)
	}
	total := 0.0
	for _, proc := range info.ProcessInfo {
		if proc.Type == "renderer" {
			total += proc.CPUTime
		}
	}
	return total
}

// flood sends n messages at rate per second into p's open room through
// sender while the person types (a key every floodKeyInterval, 'x' and
// Backspace in turn, into the focused composer), and waits until the last
// one is on screen. It returns how many keys were pressed and the largest
// JS heap seen meanwhile (bytes, garbage included).
func flood(b *testing.B, p *person, sender *sender, n int, rate float64) (keys int, peak float64) {
	b.Helper()
	// The person types while the messages arrive.
	typing, stopTyping := context.WithCancel(p.ctx)
	typed := make(chan int)
	go func() {
		keys := 0
		tick := time.NewTicker(floodKeyInterval)
		defer tick.Stop()
		for {
			select {
			case <-typing.Done():
				typed <- keys
				return
			case <-tick.C:
			}
			if err := chromedp.Do(typing, pressKey(keys%2 == 1)); err != nil {
				typed <- keys
				return
			}
			keys++
		}
	}()

	interval := time.Duration(float64(time.Second) / rate)
	tick := time.NewTicker(interval)
	last := ""
	for j := 1; j <= n; j++ {
		<-tick.C
		last = fmt.Sprintf("flood %d of %d", j, n)
		sender.pub(b, fmt.Sprintf("f%d", j), "Sender", last)
		if j%(n/10+1) == 0 {
			peak = max(peak, heapUsed(b, p))
		}
	}
	tick.Stop()
	p.poll("the last message on screen", waitTimeout,
		`(last) => { const t = document.querySelectorAll('#messages li.msg .text'); return t.length > 0 && t[t.length - 1].textContent.trim() === last; }`, last)
	stopTyping()
	return <-typed, peak
}

// floodKeyInterval is how often the person types during a flood.
const floodKeyInterval = 200 * time.Millisecond

// pressKey types 'x', or Backspace when erase, into the focused element as a
// keyboard does (keyDown with its text, keyUp).
func pressKey(erase bool) chromedp.Action[chromedp.Void] {
	down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown,
		Key: "x", Code: "KeyX", Text: "x", UnmodifiedText: "x", WindowsVirtualKeyCode: 88, NativeVirtualKeyCode: 88}
	if erase {
		down = input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown,
			Key: "Backspace", Code: "Backspace", WindowsVirtualKeyCode: 8, NativeVirtualKeyCode: 8}
	}
	up := down
	up.Type, up.Text, up.UnmodifiedText = input.DispatchKeyEventTypeKeyUp, "", ""
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, params := range []input.DispatchKeyEventParams{down, up} {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, params); err != nil {
				return fmt.Errorf("pressing %s: %w", params.Key, err)
			}
		}
		return nil
	})
}

// heapUsed is the page's JS heap in use, in bytes, garbage included.
func heapUsed(b *testing.B, p *person) float64 {
	b.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	usage, err := chromedp.Call(ctx, runtime.GetHeapUsage, cdp.Empty{})
	if err != nil {
		b.Fatalf("%s: Runtime.getHeapUsage: %v", p.name, err)
	}
	return usage.UsedSize
}

// heapAfterGC collects the page's garbage and returns its JS heap in use.
func heapAfterGC(b *testing.B, p *person) float64 {
	b.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
		b.Fatalf("%s: HeapProfiler.collectGarbage: %v", p.name, err)
	}
	return heapUsed(b, p)
}

// countPageBytes sums encodedDataLength (headers and compressed body) of
// every request p's page finishes from now on; the function returns the
// sum so far.
func countPageBytes(p *person) func() float64 {
	var mu sync.Mutex
	var total float64
	finished := chromedp.Events(p.ctx, network.LoadingFinished)
	go func() {
		for ev, err := range finished {
			if err != nil {
				return
			}
			mu.Lock()
			total += ev.EncodedDataLength
			mu.Unlock()
		}
	}()
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return total
	}
}

// sender is a plain WebSocket member of a room that publishes chat messages
// and counts their echoes, so that a benchmark knows when the relay has
// them all.
type sender struct {
	*relayClient
	echoes atomic.Int64
	more   chan struct{} // signalled after every frame read
}

// dialSender joins room as a plain WebSocket client named cid.
func dialSender(b *testing.B, relay *relayProcess, room, cid string) *sender {
	b.Helper()
	s := &sender{more: make(chan struct{}, 1)}
	s.relayClient = dialRelayReading(b, relay, room, cid, func(frame []byte) {
		s.echoes.Add(int64(countMsgs(frame)))
		select {
		case s.more <- struct{}{}:
		default:
		}
	})
	return s
}

// waitEchoes waits until the relay has echoed n messages.
func (s *sender) waitEchoes(b *testing.B, n int) {
	b.Helper()
	deadline := time.After(waitTimeout)
	for s.echoes.Load() < int64(n) {
		select {
		case <-s.more:
		case <-deadline:
			b.Fatalf("the relay echoed %d of %d messages within %v", s.echoes.Load(), n, waitTimeout)
		}
	}
}

// byteCounter forwards TCP connections from its own loopback port to
// upstream and counts the bytes in both directions.
type byteCounter struct {
	ln       net.Listener
	upstream string
	bytes    atomic.Int64
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
}

func newByteCounter(tb testing.TB, upstream string) *byteCounter {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("byte counter: listen: %v", err)
	}
	c := &byteCounter{ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}}
	c.wg.Add(1)
	go c.accept()
	tb.Cleanup(func() {
		ln.Close()
		c.mu.Lock()
		for conn := range c.conns {
			conn.Close()
		}
		c.mu.Unlock()
		c.wg.Wait()
	})
	return c
}

// URL is the origin through which the browser reaches the relay.
func (c *byteCounter) URL() string { return "http://" + c.ln.Addr().String() }

// Bytes is the count since the last Reset.
func (c *byteCounter) Bytes() int64 { return c.bytes.Load() }

// Reset starts the count again.
func (c *byteCounter) Reset() { c.bytes.Store(0) }

func (c *byteCounter) accept() {
	defer c.wg.Done()
	for {
		down, err := c.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", c.upstream)
		if err != nil {
			down.Close()
			continue
		}
		c.mu.Lock()
		c.conns[down], c.conns[up] = struct{}{}, struct{}{}
		c.mu.Unlock()
		c.wg.Add(2)
		go c.pipe(up, down)
		go c.pipe(down, up)
	}
}

// pipe copies src to dst, counting, and closes both when src ends.
func (c *byteCounter) pipe(dst, src net.Conn) {
	defer c.wg.Done()
	io.Copy(dst, countingReader{src, &c.bytes})
	dst.Close()
	src.Close()
	c.mu.Lock()
	delete(c.conns, dst)
	delete(c.conns, src)
	c.mu.Unlock()
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (r countingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n.Add(int64(n))
	return n, err
}

// countMsgs counts the msg objects in a relay frame (objects are separated
// by newlines; a JSON string never holds an unescaped quote, so a message's
// text cannot look like an object head).
func countMsgs(frame []byte) int { return bytes.Count(frame, []byte(`{"type":"msg",`)) }

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// warmUp makes p a returning visitor of url: the start probe installed, a
// first start that installs the service worker, and one more start under
// the worker, since the first one under it may still fill caches (the
// browser's compiled-code cache among them).
func warmUp(b *testing.B, p *person, url string) {
	installStartProbe(p)
	startPage(b, p, url)
	// The worker precaches every file when it installs, then claims the page.
	p.poll("the service worker to control the page", waitTimeout,
		`() => navigator.serviceWorker.controller !== null`)
	startPage(b, p, url)
}

// seedHistory publishes n messages into room as senderCID and waits for
// their echoes: the history a room is opened with. It returns the sender,
// for the caller to close, and the last message's text.
func seedHistory(b *testing.B, relay *relayProcess, room, senderCID string, n int) (s *sender, last string) {
	s = dialSender(b, relay, room, senderCID)
	for j := 1; j <= n; j++ {
		last = fmt.Sprintf("message %d of %d in the history of %s", j, n, room)
		s.pub(b, fmt.Sprintf("h%d", j), "Sender", last)
	}
	s.waitEchoes(b, n)
	return s, last
}
