package relay

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

func TestServer_MaxMessage_Closes1009(t *testing.T) {
	const maxMessage = 1024
	tr := startRelay(t, Config{MaxMessage: maxMessage})
	watcher := tr.dial(t, query("big", "watcher"))
	watcher.expect(wire.TypeWelcome)
	c := tr.dial(t, query("big", "big"))
	if w := c.expect(wire.TypeWelcome); w.MaxMessage != maxMessage {
		t.Fatalf("welcome max_message = %d", w.MaxMessage)
	}
	watcher.expect(wire.TypeJoin)

	// A frame of exactly max_message bytes is fine.
	frame := `{"type":"pub","id":"fits","data":""}`
	frame = frame[:len(frame)-2] + strings.Repeat("a", maxMessage-len(frame)) + `"}`
	if len(frame) != maxMessage {
		t.Fatalf("test frame is %d bytes", len(frame))
	}
	c.send(frame)
	if m := c.expect(wire.TypeMsg); m.ID != "fits" {
		t.Fatalf("msg = %+v", m)
	}
	watcher.expect(wire.TypeMsg)

	c.send(`{"type":"pub","id":"too-big","data":"` + strings.Repeat("a", maxMessage) + `"}`)
	c.wantClose(websocket.StatusMessageTooBig)
	if l := watcher.expect(wire.TypeLeave); l.CID != "big" {
		t.Fatalf("leave = %+v", l)
	}
	watcher.quiet() // the oversize pub was not published
	if got := metricValue(t, tr, `relay_dropped_total{reason="too_big"}`); got != "1" {
		t.Fatalf("dropped too_big = %s", got)
	}
}

func TestServer_RateLimit_ErrorThen1008(t *testing.T) {
	// A rate so low that no token comes back during the test.
	tr := startRelay(t, Config{Rate: 0.001, Burst: 2})
	c := tr.dial(t, query("rl", "fast"))
	c.expect(wire.TypeWelcome)

	c.pub("1", 1)
	c.pub("2", 2)
	c.pub("3", 3)
	c.expect(wire.TypeMsg)
	c.expect(wire.TypeMsg)
	e := c.expect(wire.TypeError)
	if e.Code != wire.CodeRateLimited || e.ID != "3" {
		t.Fatalf("error = %+v, want rate_limited for id 3", e)
	}
	// meta fans out too, so it is limited as well; ping is not.
	c.send(`{"type":"meta","data":1}`)
	if e := c.expect(wire.TypeError); e.Code != wire.CodeRateLimited || e.ID != "" {
		t.Fatalf("error = %+v, want rate_limited without id", e)
	}
	c.send(`{"type":"ping"}`)
	c.expect(wire.TypePong)

	// Sustained excess: every refusal is a strike; out of strikes → 1008.
	// Two strikes are spent; the connection survives rateStrikes of them.
	for i := 4; i <= rateStrikes+1; i++ {
		c.pub(fmt.Sprint(i), i)
		if e := c.expect(wire.TypeError); e.Code != wire.CodeRateLimited {
			t.Fatalf("error = %+v", e)
		}
	}
	c.quiet()
	c.pub("last", 0)
	if e := c.expect(wire.TypeError); e.Code != wire.CodeRateLimited || e.ID != "last" {
		t.Fatalf("error = %+v", e)
	}
	c.wantClose(websocket.StatusPolicyViolation)
	if got := metricValue(t, tr, `relay_dropped_total{reason="rate_abuse"}`); got != "1" {
		t.Fatalf("dropped rate_abuse = %s", got)
	}
}

func TestServer_BadFrame_ErrorThen1008(t *testing.T) {
	tr := startRelay(t, Config{})
	c := tr.dial(t, query("bf", "sloppy"))
	c.expect(wire.TypeWelcome)

	bad := []string{
		`not json`,
		`{"type":"pub","data":1}`, // no id
		`{"type":"pub","id":"` + strings.Repeat("x", 65) + `","data":1}`, // id too long
		`{"type":"shout"}`,
		`{"data":1}`,
		`[1,2]`,
		`{"type":"pub","id":"a","data":1} trailing`,
		"{\"type\":\"pub\",\"id\":\"a\",\"data\":\"\xff\"}", // not UTF-8
	}
	for _, frame := range bad {
		c.send(frame)
		if e := c.expect(wire.TypeError); e.Code != wire.CodeBadFrame || e.Text == "" {
			t.Fatalf("frame %q: error = %+v, want bad_frame", frame, e)
		}
	}
	// Binary frames are not part of chat.v1.
	ctx := context.Background()
	if err := c.conn.Write(ctx, websocket.MessageBinary, []byte(`{"type":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	if e := c.expect(wire.TypeError); e.Code != wire.CodeBadFrame {
		t.Fatalf("binary frame: %+v", e)
	}
	c.quiet() // still connected after badFrameStrikes-1 bad frames

	c.send(`{"type":`) // the 10th strike is still tolerated…
	c.expect(wire.TypeError)
	c.send(`}`) // …the 11th is one too many
	c.expect(wire.TypeError)
	c.wantClose(websocket.StatusPolicyViolation)
	if got := metricValue(t, tr, `relay_refused_frames_total{code="bad_frame"}`); got != "11" {
		t.Fatalf("refused bad_frame = %s", got)
	}
}

// smallNextBuffer wraps a listener so that the next connection accepted
// after arm has a tiny kernel send buffer: when that peer stops reading, the
// relay's writes block after a few kilobytes instead of megabytes. Other
// connections keep normal buffers so that they are never the slow ones.
type smallNextBuffer struct {
	net.Listener
	armed atomic.Bool
}

func (l *smallNextBuffer) arm() { l.armed.Store(true) }

func (l *smallNextBuffer) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && l.armed.Swap(false) {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// startRelayWithSmallBuffers is startRelay whose listener can give the
// next connection a tiny send buffer.
func startRelayWithSmallBuffers(t *testing.T, cfg Config) (*testRelay, *smallNextBuffer) {
	var small *smallNextBuffer
	tr := startRelayOn(t, cfg, func(ln net.Listener) net.Listener {
		small = &smallNextBuffer{Listener: ln}
		return small
	})
	return tr, small
}

// dialStuck connects a peer that reads nothing, with tiny buffers on both
// ends, and waits until watcher has seen it join.
func dialStuck(t *testing.T, tr *testRelay, small *smallNextBuffer, room, cid string, watcher *testClient) *websocket.Conn {
	t.Helper()
	small.arm()
	conn, _, err := websocket.Dial(context.Background(), tr.wsURL(query(room, cid)), &websocket.DialOptions{
		HTTPClient: smallReadBufferClient(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	if j := watcher.skipTo(wire.TypeJoin); j.Peer.CID != cid {
		t.Fatalf("join = %+v", j.Peer)
	}
	return conn
}

// TestServer_SlowConsumer_Dropped1013: a member that never reads is dropped
// with 1013 once its queue is full, while the others keep receiving every
// message.
func TestServer_SlowConsumer_Dropped1013(t *testing.T) {
	const queue = 4
	tr, small := startRelayWithSmallBuffers(t, Config{Queue: queue, Rate: 1e6, Burst: 1e6})
	pub := tr.dial(t, query("s", "pub"))
	pub.expect(wire.TypeWelcome)
	reader := tr.dial(t, query("s", "reader"))
	reader.expect(wire.TypeWelcome)
	pub.expect(wire.TypeJoin)
	// slowConn is not read until the relay has given up on it.
	slowConn := dialStuck(t, tr, small, "s", "slow", reader)
	pub.expect(wire.TypeJoin)

	payload := strings.Repeat("p", 2000)
	var sent int
	for dropped := false; !dropped; {
		if sent == 2000 {
			t.Fatal("slow member never dropped")
		}
		sent++
		pub.pub(fmt.Sprint(sent), payload)
		if m := pub.skipTo(wire.TypeMsg); m.Seq != uint64(sent) {
			t.Fatalf("echo = %+v", m)
		}
		for {
			f := reader.next()
			if f.Type == wire.TypeLeave {
				if f.CID != "slow" {
					t.Fatalf("leave = %+v", f)
				}
				dropped = true
				continue
			}
			if f.Type != wire.TypeMsg || f.Seq != uint64(sent) {
				t.Fatalf("reader got %+v, want msg %d", f, sent)
			}
			break
		}
	}
	// The room keeps flowing.
	for i := 1; i <= 20; i++ {
		pub.pub(fmt.Sprintf("after-%d", i), i)
		pub.skipTo(wire.TypeMsg)
		if m := reader.skipTo(wire.TypeMsg); m.ID != fmt.Sprintf("after-%d", i) {
			t.Fatalf("reader got %+v", m)
		}
	}
	// Now the slow member reads what was written before the drop, then the
	// close frame.
	slow := newTestClient(t, slowConn)
	slow.wantClose(websocket.StatusTryAgainLater)
	if got := metricValue(t, tr, `relay_dropped_total{reason="slow_consumer"}`); got != "1" {
		t.Fatalf("dropped slow_consumer = %s", got)
	}
	t.Logf("slow member dropped after %d messages", sent)
}

// smallReadBufferClient dials with tiny kernel receive buffers, for the same
// reason as smallNextBuffer.
func smallReadBufferClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(4096)
			}
			return c, err
		},
	}}
}

// TestServer_WriteTimeout_DropsStuckPeer: a peer that stops reading while
// its queue still has room is dropped when one write takes longer than
// WriteTimeout.
func TestServer_WriteTimeout_DropsStuckPeer(t *testing.T) {
	tr, small := startRelayWithSmallBuffers(t, Config{Queue: 100_000, Rate: 1e6, Burst: 1e6, WriteTimeout: 200 * time.Millisecond})
	pub := tr.dial(t, query("w", "pub"))
	pub.expect(wire.TypeWelcome)
	dialStuck(t, tr, small, "w", "stuck", pub)

	payload := strings.Repeat("p", 2000)
	for i, left := 1, false; !left; i++ {
		if i > 3000 {
			t.Fatal("stuck peer never dropped")
		}
		pub.pub(fmt.Sprint(i), payload)
		for f := pub.next(); f.Type != wire.TypeMsg || f.Seq != uint64(i); f = pub.next() {
			if f.Type != wire.TypeLeave || f.CID != "stuck" {
				t.Fatalf("got %+v while waiting for echo %d", f, i)
			}
			left = true
		}
	}
	if got := metricValue(t, tr, `relay_dropped_total{reason="write_timeout"}`); got != "1" {
		t.Fatalf("dropped write_timeout = %s, want 1", got)
	}
}
