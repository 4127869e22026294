//go:build !js

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// hostileBytes is the size of each measured message: 60 KB, just under the
// relay's default 64 KiB frame.
const hostileBytes = 60_000

// renderRuns is how many times each shape is measured; the median of the
// runs is compared, so one run slowed down by the other processes on a
// shared machine does not decide.
const renderRuns = 5

// maxRenderRatio is the bound: a 60 KB message of any shape shows
// within twice the time of 60 KB of plain words. renderNoise is added to
// the bound for machine noise that is not proportional: on a shared 2-core
// machine a render of ~100 ms moves by a few tens of ms from one run to the
// next, and the medians of 5 interleaved runs still move by up to ~20 ms.
// The bug it guards against cost 5.8× (≈ 1 s against 180 ms), far above.
const (
	maxRenderRatio = 2.0
	renderNoise    = 25 * time.Millisecond
)

// renderShapes are the 60 KB messages measured against plain words.
var renderShapes = []struct{ name, unit string }{
	{"plain words", "the quick brown fox jumps over the lazy dog "},
	{"http:// candidates", "http:// "},
	{"many short links", "http://a.b "},
	{"long unbroken word", "a"},
	{"emoji and combining marks", "👩‍👩‍👧e\u0301\u0302\u0303\u0304 "},
	{"deep bidi", "\u202e\u202b\u2067abc "},
	// Each "@a" is a mention of someone present: Mallory is "a".
	{"@a mentions", "@a "},
}

// Scenario: Mallory, a plain WebSocket client, sends Bob 60 KB messages of
// plain words and of hostile shapes, interleaved, several times each. Bob's
// page records when each frame arrives (a listener on its WebSocket, ahead
// of the app's) and when the message it carries is on screen (laid out, and
// the next frame painted). Every shape's median is within maxRenderRatio of
// plain words'. Before Linkify was linear, "http:// " took ≈ 5.8× as long.
func TestHostileInput_RendersAsFastAsPlain(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-hostile-render"

	bob := newPerson(t, "Bob")
	bob.runOnEveryDocument("install the render probe", renderProbeJS)
	bob.open(roomURL(relay.URL(), room, ""))
	bob.waitOnline()

	samples := map[string][]time.Duration{}
	run := 0
	// A warm-up run first (the first render of a page pays for compiling
	// and caching), then the shapes in turn, renderRuns times.
	shapes := append(renderShapes[:1:1], slices.Repeat(renderShapes, renderRuns)...)
	for i, shape := range shapes {
		run++
		// Each run in a room of its own: the client writes the room's
		// whole history on a message, and a history growing by 60 KB a run
		// would weigh more on each run than the shape does.
		runRoom := fmt.Sprintf("%s-%d", room, run)
		bob.eval(fmt.Sprintf(`location.hash = '#room=%s'`, runRoom), nil)
		bob.poll("room "+runRoom+" online", waitTimeout,
			`(room) => document.querySelector('#room-name').textContent === room &&
				document.querySelector('#conn-state').dataset.state === 'online'`, runRoom)
		mallory := dialRelay(t, relay, runRoom, fmt.Sprintf("mallory-%d", run))
		// Mallory is "a" in every run, and on Bob's screen before her
		// message comes: its render is not part of any run's time.
		mallory.meta(t, `{"nick":"a"}`)
		bob.poll("Mallory as a in "+runRoom, waitTimeout,
			`() => [...document.querySelectorAll('#presence li')].some(li => li.textContent === 'a')`)
		marker := fmt.Sprintf("@@run-%d@@ ", run)
		text := marker + fillTo(shape.unit, hostileBytes-len(marker))
		mallory.pub(t, fmt.Sprintf("r%d", run), "Mallory", text)
		{
			raw := bob.poll(fmt.Sprintf("run %d (%s) on screen", run, shape.name), waitTimeout,
				`(run) => window.__painted[run] !== undefined && window.__arrived[run] !== undefined &&
					window.__painted[run] - window.__arrived[run]`, run)
			var ms float64
			if err := json.Unmarshal(raw, &ms); err != nil {
				t.Fatalf("run %d: %s: %v", run, raw, err)
			}
			if i > 0 {
				samples[shape.name] = append(samples[shape.name], time.Duration(ms*float64(time.Millisecond)))
			}
			if shape.unit == "@a " {
				bob.poll("the @a of run "+runRoom+" highlighted as mentions", waitTimeout,
					`() => document.querySelectorAll('#messages li.msg .text .mention').length > 10`)
			}
			mallory.close()
		}
	}

	plain := median(samples[renderShapes[0].name])
	t.Logf("%-28s median %6.1f ms  runs %v", renderShapes[0].name, ms(plain), samples[renderShapes[0].name])
	for _, shape := range renderShapes[1:] {
		got := median(samples[shape.name])
		ratio := float64(got) / float64(plain)
		t.Logf("%-28s median %6.1f ms  %.2f× plain  runs %v", shape.name, ms(got), ratio, samples[shape.name])
		if limit := time.Duration(maxRenderRatio*float64(plain)) + renderNoise; got > limit {
			t.Errorf("%s: median %.1f ms, %.2f× plain words (%.1f ms); the bound is %.0f× + %v",
				shape.name, ms(got), ratio, ms(plain), maxRenderRatio, renderNoise)
		}
	}
}

// renderProbeJS runs in Bob's page before the app: it notes when a frame
// carrying "@@run-N@@" arrives on any WebSocket (its listener is added
// before the app's, so it runs first) and when a message starting with
// that marker is in the list, laid out, and the following frame painted.
const renderProbeJS = `(() => {
	window.__arrived = {};
	window.__painted = {};
	const Native = window.WebSocket;
	const Probed = function (...args) {
		const ws = new Native(...args);
		ws.addEventListener('message', (e) => {
			if (typeof e.data !== 'string') return;
			const m = /@@run-(\d+)@@/.exec(e.data);
			if (m && !(m[1] in window.__arrived)) window.__arrived[m[1]] = performance.now();
		});
		return ws;
	};
	Probed.prototype = Native.prototype;
	for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Probed[k] = Native[k];
	window.WebSocket = Probed;
	new MutationObserver((records) => {
		for (const r of records) for (const node of r.addedNodes) {
			if (!(node instanceof Element)) continue;
			for (const li of node.matches('li.msg') ? [node] : node.querySelectorAll('li.msg')) {
				const text = li.querySelector('.text');
				const m = text && /^@@run-(\d+)@@/.exec(text.textContent.slice(0, 32));
				if (!m || m[1] in window.__painted) continue;
				const run = m[1];
				li.getBoundingClientRect(); // layout, text shaping included
				requestAnimationFrame(() => setTimeout(() => { window.__painted[run] = performance.now(); }));
			}
		}
	}).observe(document, {childList: true, subtree: true});
})()`

// relayClient is a plain WebSocket member of a room: a sender that costs the
// machine nothing next to a browser.
type relayClient struct {
	conn  *websocket.Conn
	ctx   context.Context
	close func() // leaves the room; safe to call again
}

// dialRelay joins room on relay as a non-browser client and reads (and
// drops) what the relay sends until the test ends.
func dialRelay(t testing.TB, relay *relayProcess, room, cid string) *relayClient {
	t.Helper()
	return dialRelayReading(t, relay, room, cid, nil)
}

// dialRelayReading is dialRelay that also hands every frame the relay sends
// to onFrame (when not nil), on the reading goroutine.
func dialRelayReading(t testing.TB, relay *relayProcess, room, cid string, onFrame func([]byte)) *relayClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	u := "ws://" + relay.addr + "/ws?room=" + url.QueryEscape(room) + "&cid=" + url.QueryEscape(cid)
	dialCtx, cancelDial := context.WithTimeout(ctx, waitTimeout)
	defer cancelDial()
	conn, _, err := websocket.Dial(dialCtx, u, &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
	if err != nil {
		cancel()
		t.Fatalf("dialing %s: %v", u, err)
	}
	conn.SetReadLimit(-1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, frame, err := conn.Read(ctx)
			if err != nil {
				return
			}
			if onFrame != nil {
				onFrame(frame)
			}
		}
	}()
	c := &relayClient{conn: conn, ctx: ctx}
	var once sync.Once
	c.close = func() {
		once.Do(func() {
			conn.Close(websocket.StatusNormalClosure, "")
			cancel()
			<-done
		})
	}
	t.Cleanup(c.close)
	return c
}

// pub sends one chat message as this app's clients encode it.
func (c *relayClient) pub(t testing.TB, id, nick, text string) {
	t.Helper()
	data, err := json.Marshal(struct {
		Nick string `json:"nick"`
		Text string `json:"text"`
	}{nick, text})
	if err != nil {
		t.Fatal(err)
	}
	frame, err := json.Marshal(wire.ClientFrame{Type: wire.TypePub, ID: id, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(c.ctx, waitTimeout)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, frame); err != nil {
		t.Fatalf("sending %s: %v", id, err)
	}
}

// meta sets this member's presence metadata (PROTOCOL.md, meta).
func (c *relayClient) meta(t testing.TB, data string) {
	t.Helper()
	frame, err := json.Marshal(wire.ClientFrame{Type: wire.TypeMeta, Data: json.RawMessage(data)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(c.ctx, waitTimeout)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, frame); err != nil {
		t.Fatalf("sending meta: %v", err)
	}
}

// fillTo repeats unit up to n bytes, cut at a rune boundary.
func fillTo(unit string, n int) string {
	return strings.ToValidUTF8(strings.Repeat(unit, n/len(unit)+1)[:n], "")
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
