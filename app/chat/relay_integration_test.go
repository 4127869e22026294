//go:build !js

package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay"
	"github.com/chatpwa/chat/relay/wire"
)

// integrationTimeout bounds waits against the real relay: reconnects use the
// real backoff (at most a few seconds with the retries these tests make).
const integrationTimeout = 20 * time.Second

// relayProcess is a real relay on a fixed loopback address that can be
// stopped and started again, like an in-memory relay restarting.
type relayProcess struct {
	t      *testing.T
	addr   string
	server *relay.Server
	http   *httptest.Server
}

func startRelay(t *testing.T, addr string) *relayProcess {
	t.Helper()
	return startRelayWith(t, addr, relay.Config{})
}

// startRelayWith is startRelay with cfg (its Logger is replaced).
func startRelayWith(t *testing.T, addr string, cfg relay.Config) *relayProcess {
	t.Helper()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := relay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener = ln
	hs.Start()
	p := &relayProcess{t: t, addr: ln.Addr().String(), server: srv, http: hs}
	t.Cleanup(p.stop)
	return p
}

func (p *relayProcess) url() string { return "ws://" + p.addr + "/ws" }

// stop closes every connection (1001) and the listener.
func (p *relayProcess) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.server.Shutdown(ctx)
	p.http.Close()
}

// realClient runs a Client with the real WebSocket transport and real time.
type realClient struct {
	*Client
	done   chan struct{}
	cancel context.CancelFunc
}

func runRealClient(t *testing.T, relayURL, cid, nick string, transport Transport) *realClient {
	t.Helper()
	return runRealClientOn(t, []string{relayURL}, cid, nick, transport)
}

// runRealClientOn runs a client with a failover list of relays.
func runRealClientOn(t *testing.T, relays []string, cid, nick string, transport Transport) *realClient {
	t.Helper()
	if transport == nil {
		transport = NewWebSocketTransport()
	}
	return runRealClientWith(t, Options{Relays: relays, Room: "it-room", CID: cid, Nick: nick, Transport: transport, Store: NewMemoryStore()})
}

// runRealClientWith runs New(o) until the test ends.
func runRealClientWith(t *testing.T, o Options) *realClient {
	t.Helper()
	c := New(o)
	ctx, cancel := context.WithCancel(context.Background())
	rc := &realClient{Client: c, done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(rc.done)
		c.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-rc.done:
		case <-time.After(integrationTimeout):
			t.Error("Run did not return")
		}
	})
	return rc
}

// waitReal is waitView with the integration deadline; while the client is
// offline it asks for an immediate retry, as the browser's online event would.
func waitReal(t *testing.T, c *realClient, what string, cond func(View) bool) View {
	t.Helper()
	deadline := time.After(integrationTimeout)
	for {
		v := c.View()
		if cond(v) {
			return v
		}
		if v.State == StateOffline {
			c.RetryNow()
		}
		select {
		case <-c.Changed():
		case <-deadline:
			t.Fatalf("timed out waiting for %s; state=%v detail=%q lines=%q", what, v.State, v.Detail, texts(v.Lines))
			return v
		}
	}
}

func countMessages(v View, text string) int {
	n := 0
	for _, l := range v.Lines {
		if l.Kind == LineMessage && l.Text == text {
			n++
		}
	}
	return n
}

func deliveredOnce(v View, text string) bool {
	i := slices.IndexFunc(v.Lines, func(l Line) bool { return l.Kind == LineMessage && l.Text == text })
	return i >= 0 && countMessages(v, text) == 1 && v.Lines[i].Status == StatusDelivered
}

func TestRelayIntegration_SendDeliverAndSurviveRestart(t *testing.T) {
	r := startRelay(t, "")
	alice := runRealClient(t, r.url(), "alice-cid", "alice", nil)
	bob := runRealClient(t, r.url(), "bob-cid", "bob", nil)
	waitReal(t, alice, "alice sees bob", func(v View) bool {
		return v.State == StateOnline && slices.ContainsFunc(v.Members, func(m Member) bool { return m.Nick == "bob" })
	})
	waitReal(t, bob, "bob sees alice", func(v View) bool {
		return v.State == StateOnline && slices.ContainsFunc(v.Members, func(m Member) bool { return m.Nick == "alice" })
	})

	if err := alice.Send("hello bob"); err != nil {
		t.Fatal(err)
	}
	waitReal(t, alice, "alice's message delivered", func(v View) bool { return deliveredOnce(v, "hello bob") })
	v := waitReal(t, bob, "bob shows it", func(v View) bool { return countMessages(v, "hello bob") == 1 })
	if i := slices.IndexFunc(v.Lines, func(l Line) bool { return l.Text == "hello bob" }); v.Lines[i].Nick != "alice" || v.Lines[i].Mine {
		t.Fatalf("bob's line %+v", v.Lines[i])
	}

	// The relay goes away; alice keeps writing into her outbox.
	r.stop()
	waitReal(t, alice, "alice offline", func(v View) bool { return v.State != StateOnline })
	for _, text := range []string{"queued 1", "queued 2", "queued 3"} {
		if err := alice.Send(text); err != nil {
			t.Fatal(err)
		}
	}
	v = alice.View()
	for _, text := range []string{"queued 1", "queued 2", "queued 3"} {
		if i := slices.IndexFunc(v.Lines, func(l Line) bool { return l.Text == text }); i < 0 || v.Lines[i].Status != StatusPending {
			t.Fatalf("%q not pending while the relay is down: %q", text, texts(v.Lines))
		}
	}

	// The same address, a fresh in-memory relay: a new seq space.
	startRelay(t, r.addr)
	for _, text := range []string{"queued 1", "queued 2", "queued 3"} {
		waitReal(t, alice, "alice delivered "+text, func(v View) bool { return deliveredOnce(v, text) })
	}
	v = waitReal(t, bob, "bob shows the queued messages", func(v View) bool {
		return countMessages(v, "queued 1") == 1 && countMessages(v, "queued 2") == 1 && countMessages(v, "queued 3") == 1
	})
	var order []string
	for _, l := range v.Lines {
		if l.Kind == LineMessage {
			order = append(order, l.Text)
		}
	}
	if !slices.Equal(order, []string{"hello bob", "queued 1", "queued 2", "queued 3"}) {
		t.Fatalf("bob's messages %q", order)
	}

	// One more round trip in the new seq space, and still no duplicates.
	if err := bob.Send("welcome back"); err != nil {
		t.Fatal(err)
	}
	waitReal(t, alice, "alice shows bob's reply", func(v View) bool { return countMessages(v, "welcome back") == 1 })
	v = alice.View()
	for _, text := range []string{"hello bob", "queued 1", "queued 2", "queued 3"} {
		if n := countMessages(v, text); n != 1 {
			t.Fatalf("alice shows %q %d times", text, n)
		}
	}
}

// Relay 1 stops for good; the client, configured with [relay 1, relay 2],
// moves to relay 2 by itself and delivers its outbox there. (These relays
// share no broker, so the two rooms are separate: that no message is missed
// across relays is the e2e suite's failover scenario, over NATS.)
func TestRelayIntegration_FailoverToTheNextRelay(t *testing.T) {
	r1, r2 := startRelay(t, ""), startRelay(t, "")
	alice := runRealClientOn(t, []string{r1.url(), r2.url()}, "alice-cid", "alice", nil)
	bob := runRealClient(t, r2.url(), "bob-cid", "bob", nil)
	v := waitReal(t, alice, "alice online", func(v View) bool { return v.State == StateOnline })
	if v.Relay != r1.url() {
		t.Fatalf("alice is on %s, want the first relay %s", v.Relay, r1.url())
	}
	waitReal(t, bob, "bob online", func(v View) bool { return v.State == StateOnline })
	if err := alice.Send("on relay 1"); err != nil {
		t.Fatal(err)
	}
	waitReal(t, alice, "delivered on relay 1", func(v View) bool { return deliveredOnce(v, "on relay 1") })

	r1.stop()
	waitReal(t, alice, "alice offline", func(v View) bool { return v.State != StateOnline })
	if err := alice.Send("written during the failover"); err != nil {
		t.Fatal(err)
	}
	v = waitReal(t, alice, "alice online on relay 2 with bob", func(v View) bool {
		return v.State == StateOnline && slices.ContainsFunc(v.Members, func(m Member) bool { return m.Nick == "bob" })
	})
	if v.Relay != r2.url() {
		t.Fatalf("alice is online on %s, want %s", v.Relay, r2.url())
	}
	waitReal(t, alice, "outbox delivered on relay 2", func(v View) bool { return deliveredOnce(v, "written during the failover") })
	waitReal(t, bob, "bob shows it", func(v View) bool { return countMessages(v, "written during the failover") == 1 })
	if err := bob.Send("hello from relay 2"); err != nil {
		t.Fatal(err)
	}
	v = waitReal(t, alice, "alice shows bob's reply", func(v View) bool { return countMessages(v, "hello from relay 2") == 1 })
	if n := countMessages(v, "on relay 1"); n != 1 {
		t.Fatalf("alice shows her relay 1 message %d times", n)
	}
}

// cuttingTransport wraps the real transport. On the first connection it
// cuts the link right after the first pub is written, before its echo can be
// read: the relay has stored it, but the client cannot know. On the next
// connection it hides the replay of that pub until the client has written it
// again, so that the client really resends it and only the relay's dedup
// stands between the resend and a second publication.
type cuttingTransport struct {
	Transport
	mu       sync.Mutex
	conns    int
	cutID    string // the id of the pub written before the cut
	cutSent  bool   // that write succeeded: the relay reads the pub before the close
	hidden   bool   // the relay replayed cutID on the next connection
	resentID string // the id of the first pub written after the cut
}

func (c *cuttingTransport) Dial(ctx context.Context, url string) (Conn, error) {
	conn, err := c.Transport.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conns++
	switch c.conns {
	case 1:
		return &cutAfterPub{Conn: conn, t: c, closed: make(chan struct{})}, nil
	case 2:
		return &hideReplay{Conn: conn, t: c}, nil
	}
	return conn, nil
}

// cutAfterPub is the first connection: once a pub is on its way, nothing
// more is read from it (the echo may come back before the close), and it
// closes after the write.
type cutAfterPub struct {
	Conn
	t      *cuttingTransport
	cut    atomic.Bool
	closed chan struct{} // closed after the pub's write and the close
}

var errLinkCut = errors.New("link cut by the test")

func (c *cutAfterPub) Write(ctx context.Context, frame []byte) error {
	id, ok := pubID(frame)
	if !ok || c.cut.Load() {
		return c.Conn.Write(ctx, frame)
	}
	c.t.mu.Lock()
	c.t.cutID = id
	c.t.mu.Unlock()
	c.cut.Store(true) // before the write: its echo must not be read
	err := c.Conn.Write(ctx, frame)
	c.t.mu.Lock()
	c.t.cutSent = err == nil
	c.t.mu.Unlock()
	_ = c.Conn.Close()
	close(c.closed)
	return err
}

// Read reports the cut only once the pub's write is over, so that the
// session ending cannot fail the write.
func (c *cutAfterPub) Read(ctx context.Context) ([]byte, error) {
	frame, err := c.Conn.Read(ctx)
	if c.cut.Load() {
		<-c.closed
		return nil, errLinkCut
	}
	return frame, err
}

// hideReplay drops msg objects carrying the cut pub's id from what the
// client reads until the client has written a pub again.
type hideReplay struct {
	Conn
	t *cuttingTransport
}

func (h *hideReplay) Write(ctx context.Context, frame []byte) error {
	if id, ok := pubID(frame); ok {
		h.t.mu.Lock()
		if h.t.resentID == "" {
			h.t.resentID = id // before the write: the relay may answer at once
		}
		h.t.mu.Unlock()
	}
	return h.Conn.Write(ctx, frame)
}

func (h *hideReplay) Read(ctx context.Context) ([]byte, error) {
	frame, err := h.Conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	h.t.mu.Lock()
	defer h.t.mu.Unlock()
	if h.t.resentID != "" {
		return frame, nil
	}
	var kept [][]byte
	_ = wire.Split(frame, func(object []byte) error {
		var f wire.ServerFrame
		if json.Unmarshal(object, &f) == nil && f.Type == wire.TypeMsg && f.ID == h.t.cutID {
			h.t.hidden = true
			return nil
		}
		kept = append(kept, slices.Clone(object))
		return nil
	})
	return bytes.Join(kept, []byte("\n")), nil
}

func pubID(frame []byte) (string, bool) {
	var f wire.ClientFrame
	if json.Unmarshal(frame, &f) != nil || f.Type != wire.TypePub {
		return "", false
	}
	return f.ID, true
}

// countingTransport counts, per message id, the msg objects the relay sent,
// and keeps the highest seq.
type countingTransport struct {
	Transport
	mu      sync.Mutex
	msgs    map[string]int
	lastSeq uint64
}

func (c *countingTransport) Dial(ctx context.Context, url string) (Conn, error) {
	conn, err := c.Transport.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, t: c}, nil
}

func (c *countingTransport) count(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.msgs[id]
}

func (c *countingTransport) seq() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastSeq
}

type countingConn struct {
	Conn
	t *countingTransport
}

func (c *countingConn) Read(ctx context.Context) ([]byte, error) {
	frame, err := c.Conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	_ = wire.Split(frame, func(object []byte) error {
		var f wire.ServerFrame
		if json.Unmarshal(object, &f) == nil && f.Type == wire.TypeMsg {
			c.t.msgs[f.ID]++
			c.t.lastSeq = max(c.t.lastSeq, f.Seq)
		}
		return nil
	})
	return frame, nil
}

func TestRelayIntegration_LinkCutAfterPubDeliveredExactlyOnce(t *testing.T) {
	r := startRelay(t, "")
	cutting := &cuttingTransport{Transport: NewWebSocketTransport()}
	alice := runRealClient(t, r.url(), "alice-cid", "alice", cutting)
	bobSees := &countingTransport{Transport: NewWebSocketTransport(), msgs: map[string]int{}}
	bob := runRealClient(t, r.url(), "bob-cid", "bob", bobSees)
	waitReal(t, alice, "alice online", func(v View) bool { return v.State == StateOnline })
	waitReal(t, bob, "bob online", func(v View) bool { return v.State == StateOnline })

	if err := alice.Send("through a cut"); err != nil {
		t.Fatal(err)
	}
	waitReal(t, alice, "delivered after the cut", func(v View) bool { return deliveredOnce(v, "through a cut") })
	waitReal(t, bob, "bob shows it", func(v View) bool { return countMessages(v, "through a cut") == 1 })
	// The relay got the pub twice: on the cut connection and again on the
	// next. (Usually it had stored the first before the second connection
	// began, and the replay was hidden; if not, the first copy is the
	// duplicate. Either way one of them must be deduplicated.)
	cutting.mu.Lock()
	cutID, cutSent, hidden, resentID := cutting.cutID, cutting.cutSent, cutting.hidden, cutting.resentID
	cutting.mu.Unlock()
	if cutID == "" || !cutSent || resentID != cutID {
		t.Fatalf("no resend of a sent pub: cut %q (sent %v), replay hidden %v, resent %q", cutID, cutSent, hidden, resentID)
	}

	// A marker after it: the relay handles a connection's pubs in order, so
	// once bob has the marker he has every msg the resend made.
	if err := alice.Send("marker"); err != nil {
		t.Fatal(err)
	}
	v := waitReal(t, bob, "marker", func(v View) bool { return countMessages(v, "marker") == 1 })
	if n := bobSees.count(cutID); n != 1 {
		t.Fatalf("the relay sent bob the message %d times", n)
	}
	if got := bobSees.seq(); got != 2 {
		t.Fatalf("the relay numbered the marker %d, want 2: it published the message once, then the marker", got)
	}
	if n := countMessages(v, "through a cut"); n != 1 {
		t.Fatalf("bob shows the message %d times", n)
	}
	if n := countMessages(alice.View(), "through a cut"); n != 1 {
		t.Fatalf("alice shows the message %d times", n)
	}
}

func TestRelayIntegration_RefusalsStopTheRetryLoop(t *testing.T) {
	// startRelayWith shuts the relay down: closing only its HTTP server
	// left its writer pool's idle worker to TestMain's leak check.
	url := startRelayWith(t, "", relay.Config{Secret: "s3cret"}).url()

	denied := runRealClient(t, url, "alice-cid", "alice", nil)
	v := waitReal(t, denied, "denied", func(v View) bool { return v.State == StateDenied })
	if v.Detail != "access denied: the invite is invalid or expired" {
		t.Errorf("detail %q", v.Detail)
	}

	token, err := relay.IssueToken("s3cret", "it-room", "Alice", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := New(Options{Relays: []string{url}, Room: "it-room", CID: "bob-cid", Nick: "bob", Token: token, Store: NewMemoryStore()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitView(t, c, "online with a token", func(v View) bool { return v.State == StateOnline })

	invalid := runRealClient(t, url, "bad cid!", "x", nil)
	waitReal(t, invalid, "invalid", func(v View) bool { return v.State == StateInvalid })
}
