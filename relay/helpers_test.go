package relay

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// waitTimeout bounds every wait of a test: long enough for -race on a busy
// machine, short enough to fail a stuck test quickly.
const waitTimeout = 10 * time.Second

// testRelay is a Server behind an httptest server on loopback.
type testRelay struct {
	*Server
	http *httptest.Server
}

// startRelay starts a relay with cfg; it is shut down when the test ends.
func startRelay(t *testing.T, cfg Config) *testRelay {
	t.Helper()
	return startRelayOn(t, cfg, nil)
}

// startRelayOn is startRelay with a custom listener wrapper (nil: none).
func startRelayOn(t *testing.T, cfg Config, wrap func(net.Listener) net.Listener) *testRelay {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewUnstartedServer(s)
	if wrap != nil {
		ts.Listener = wrap(ts.Listener)
	}
	ts.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			// What a session waits on is the whole story of a stuck shutdown.
			var stacks strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&stacks, 1)
			t.Errorf("Shutdown: %v\n%s", err, stacks.String())
		}
		ts.Close()
	})
	return &testRelay{Server: s, http: ts}
}

// wsURL is the /ws URL of the relay with the given query.
func (tr *testRelay) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(tr.http.URL, "http") + "/ws?" + query
}

// testClient is a real WebSocket client whose reader splits batched frames
// and hands every object to frames.
type testClient struct {
	t      *testing.T
	conn   *websocket.Conn
	frames chan wire.ServerFrame
	done   chan struct{} // closed when the reader ends
	err    error         // why the reader ended, valid after done
}

// dial connects to the relay or fails the test.
func (tr *testRelay) dial(t *testing.T, query string) *testClient {
	t.Helper()
	conn, resp, err := tr.dialRaw(query, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", query, err, status)
	}
	return newTestClient(t, conn)
}

// dialRaw connects with optional extra headers and returns what Dial returns.
func (tr *testRelay) dialRaw(query string, header http.Header) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, tr.wsURL(query), &websocket.DialOptions{
		Subprotocols: []string{wire.Subprotocol},
		HTTPHeader:   header,
	})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	return conn, resp, err
}

func newTestClient(t *testing.T, conn *websocket.Conn) *testClient {
	conn.SetReadLimit(-1) // batches and welcomes may exceed max_message
	c := &testClient{t: t, conn: conn, frames: make(chan wire.ServerFrame, 4096), done: make(chan struct{})}
	go c.read()
	t.Cleanup(c.close)
	return c
}

func (c *testClient) read() {
	defer close(c.done)
	for {
		_, data, err := c.conn.Read(context.Background())
		if err != nil {
			c.err = err
			return
		}
		err = wire.Split(data, func(object []byte) error {
			var f wire.ServerFrame
			if err := json.Unmarshal(object, &f); err != nil {
				return err
			}
			c.frames <- f
			return nil
		})
		if err != nil {
			c.err = err
			_ = c.conn.CloseNow()
			return
		}
	}
}

// close ends the connection without a handshake and waits for the reader.
func (c *testClient) close() {
	_ = c.conn.CloseNow()
	<-c.done
}

// leave closes the connection normally, as a client that is done does.
func (c *testClient) leave() {
	_ = c.conn.Close(websocket.StatusNormalClosure, "bye")
	<-c.done
}

// leaveFrom is leave, then waits until tr has taken the connection out of
// its rooms. The relay announces a leave while its writer already sends the
// close frame, so the client's close can finish first, and a connection
// dialled right after could still read that leave.
func (tr *testRelay) leaveFrom(t *testing.T, c *testClient) {
	t.Helper()
	before := tr.active.Load()
	c.leave()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(waitTimeout)
	for tr.active.Load() >= before {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("the relay still holds %d connections after one of %d left", tr.active.Load(), before)
		}
	}
}

// send writes one frame, given as a JSON string or a value to encode.
func (c *testClient) send(frame any) {
	c.t.Helper()
	var data []byte
	switch f := frame.(type) {
	case string:
		data = []byte(f)
	case []byte:
		data = f
	default:
		var err error
		if data, err = json.Marshal(f); err != nil {
			c.t.Fatalf("encode frame: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, data); err != nil {
		c.t.Fatalf("send %s: %v", data, err)
	}
}

// write sends one raw frame and returns the error; safe off the test goroutine.
func (c *testClient) write(frame string) error {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	return c.conn.Write(ctx, websocket.MessageText, []byte(frame))
}

// pub publishes data with id.
func (c *testClient) pub(id string, data any) {
	c.t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		c.t.Fatalf("encode data: %v", err)
	}
	c.send(wire.ClientFrame{Type: wire.TypePub, ID: id, Data: raw})
}

// next returns the next object the relay sent.
func (c *testClient) next() wire.ServerFrame {
	c.t.Helper()
	select {
	case f := <-c.frames:
		return f
	case <-c.done:
		select { // frames read before the end come first
		case f := <-c.frames:
			return f
		default:
		}
		c.t.Fatalf("connection ended: %v", c.err)
	case <-time.After(waitTimeout):
		c.t.Fatalf("no frame within %v", waitTimeout)
	}
	return wire.ServerFrame{}
}

// expect returns the next object and fails unless it has type typ.
func (c *testClient) expect(typ string) wire.ServerFrame {
	c.t.Helper()
	f := c.next()
	if f.Type != typ {
		c.t.Fatalf("got %s frame %+v, want %s", f.Type, f, typ)
	}
	return f
}

// skipTo returns the first object of type typ, discarding others.
func (c *testClient) skipTo(typ string) wire.ServerFrame {
	c.t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case f := <-c.frames:
			if f.Type == typ {
				return f
			}
		case <-deadline:
			c.t.Fatalf("no %s frame within %v", typ, waitTimeout)
		}
	}
}

// quiet fails if the relay sent anything: it round-trips a ping, whose pong
// comes after anything queued before it.
func (c *testClient) quiet() {
	c.t.Helper()
	c.send(`{"type":"ping"}`)
	if f := c.next(); f.Type != wire.TypePong {
		c.t.Fatalf("unexpected %s frame %+v", f.Type, f)
	}
}

// closed waits for the relay to end the connection and returns the reason.
func (c *testClient) closed() error {
	c.t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case <-c.frames: // drain so the reader never blocks
		case <-c.done:
			return c.err
		case <-deadline:
			c.t.Fatalf("connection still open after %v", waitTimeout)
			return nil
		}
	}
}

// wantClose fails unless the connection ended with close code want.
func (c *testClient) wantClose(want websocket.StatusCode) {
	c.t.Helper()
	err := c.closed()
	if got := websocket.CloseStatus(err); got != want {
		c.t.Fatalf("closed with %v (%v), want %v", got, err, want)
	}
}

// query builds a /ws query string.
func query(room, cid string, extra ...string) string {
	v := url.Values{"room": {room}, "cid": {cid}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v.Encode()
}

// waitFor waits for a value on ch.
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}
