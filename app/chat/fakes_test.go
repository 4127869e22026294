package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// waitTimeout bounds every wait in these tests; nothing sleeps.
const waitTimeout = 5 * time.Second

// manualClock is a Clock whose time moves only with Advance, which runs the
// due AfterFunc callbacks in order on the calling goroutine.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	nextID int
	timers []*manualTimer
	armed  chan struct{} // capacity 1: a timer was armed
}

type manualTimer struct {
	id   int
	when time.Time
	f    func()
}

var _ Clock = (*manualClock)(nil)

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), armed: make(chan struct{}, 1)}
}

func (m *manualClock) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

func (m *manualClock) AfterFunc(d time.Duration, f func()) func() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	t := &manualTimer{id: m.nextID, when: m.now.Add(d), f: f}
	m.timers = append(m.timers, t)
	select {
	case m.armed <- struct{}{}:
	default:
	}
	return func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		i := slices.Index(m.timers, t)
		if i < 0 {
			return false
		}
		m.timers = slices.Delete(m.timers, i, i+1)
		return true
	}
}

// waitArmed waits until a timer is pending that fires d from now: the
// client arms its timers on its own goroutines.
func (m *manualClock) waitArmed(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		m.mu.Lock()
		found := slices.ContainsFunc(m.timers, func(tm *manualTimer) bool { return tm.when.Equal(m.now.Add(d)) })
		m.mu.Unlock()
		if found {
			return
		}
		select {
		case <-m.armed:
		case <-deadline:
			t.Fatalf("no timer armed for %v", d)
		}
	}
}

// Advance moves time forward by d, firing due timers (including ones armed
// by callbacks within the window) in deadline order.
func (m *manualClock) Advance(d time.Duration) {
	m.mu.Lock()
	target := m.now.Add(d)
	for {
		var next *manualTimer
		for _, t := range m.timers {
			if !t.when.After(target) && (next == nil || t.when.Before(next.when) || (t.when.Equal(next.when) && t.id < next.id)) {
				next = t
			}
		}
		if next == nil {
			break
		}
		m.timers = slices.DeleteFunc(m.timers, func(t *manualTimer) bool { return t == next })
		if next.when.After(m.now) {
			m.now = next.when
		}
		m.mu.Unlock()
		next.f()
		m.mu.Lock()
	}
	m.now = target
	m.mu.Unlock()
}

// fakeTransport hands every Dial to the test, which accepts or refuses it.
type fakeTransport struct{ dials chan *dialRequest }

type dialRequest struct {
	url   string
	reply chan dialReply
}

type dialReply struct {
	conn Conn
	err  error
}

var _ Transport = (*fakeTransport)(nil)

func newFakeTransport() *fakeTransport { return &fakeTransport{dials: make(chan *dialRequest)} }

func (f *fakeTransport) Dial(ctx context.Context, url string) (Conn, error) {
	req := &dialRequest{url: url, reply: make(chan dialReply, 1)}
	select {
	case f.dials <- req:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-req.reply:
		return r.conn, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// expectDial waits for the client's next dial.
func (f *fakeTransport) expectDial(t *testing.T) *dialRequest {
	t.Helper()
	select {
	case req := <-f.dials:
		return req
	case <-time.After(waitTimeout):
		t.Fatal("no dial")
		return nil
	}
}

func (r *dialRequest) accept() *fakeRelay {
	conn := &pipeConn{in: make(chan []byte, 256), out: make(chan []byte, 256), closed: make(chan struct{})}
	r.reply <- dialReply{conn: conn}
	return &fakeRelay{conn: conn}
}

func (r *dialRequest) refuse(err error) { r.reply <- dialReply{err: err} }

var errPipeClosed = errors.New("pipe closed")

// pipeConn is the client's end of an in-memory connection.
type pipeConn struct {
	in, out   chan []byte
	closed    chan struct{}
	closeOnce sync.Once
	mu        sync.Mutex
	closes    int
	closeErr  error // what Read returns once closed; errPipeClosed when nil
}

var _ Conn = (*pipeConn)(nil)

// Read returns the frames the relay sent before the link was cut, in order,
// before it reports the cut: a select over both would pick at random and
// skip frames a test relies on.
func (p *pipeConn) Read(ctx context.Context) ([]byte, error) {
	select {
	case f := <-p.in:
		return f, nil
	default:
	}
	select {
	case f := <-p.in:
		return f, nil
	case <-p.closed:
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.closeErr != nil {
			return nil, p.closeErr
		}
		return nil, errPipeClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Write after the link is cut loses the frame without an error, as a write
// into a cut TCP connection does: only Read reports the cut, after the
// frames still buffered, so a failed write cannot end the session before
// the reader has handled them.
func (p *pipeConn) Write(ctx context.Context, frame []byte) error {
	select {
	case <-p.closed:
		return nil
	default:
	}
	select {
	case p.out <- slices.Clone(frame):
		return nil
	case <-p.closed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pipeConn) Close() error {
	p.mu.Lock()
	p.closes++
	p.mu.Unlock()
	p.closeOnce.Do(func() { close(p.closed) })
	return nil
}

// fakeRelay is the test's end of a pipeConn: it plays the relay.
type fakeRelay struct{ conn *pipeConn }

// send writes objects as one frame, '\n'-separated like the relay's batches.
func (r *fakeRelay) send(t *testing.T, objects ...any) {
	t.Helper()
	var frame []byte
	for i, o := range objects {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			frame = append(frame, '\n')
		}
		frame = append(frame, b...)
	}
	select {
	case r.conn.in <- frame:
	case <-time.After(waitTimeout):
		t.Fatal("client does not read")
	}
}

// sendRaw writes frame as it is.
func (r *fakeRelay) sendRaw(t *testing.T, frame string) {
	t.Helper()
	select {
	case r.conn.in <- []byte(frame):
	case <-time.After(waitTimeout):
		t.Fatal("client does not read")
	}
}

// testEpoch is the seq epoch the fake relay announces unless a test names
// another: like the real relay, it always sends one.
const testEpoch = "epoch-1"

func (r *fakeRelay) welcome(t *testing.T, w wire.Welcome) {
	t.Helper()
	w.Type = wire.TypeWelcome
	if w.Conn == "" {
		w.Conn = "c-me"
	}
	if w.Epoch == "" {
		w.Epoch = testEpoch
	}
	r.send(t, w)
}

// next returns the next frame the client wrote.
func (r *fakeRelay) next(t *testing.T) wire.ClientFrame {
	t.Helper()
	select {
	case b := <-r.conn.out:
		var f wire.ClientFrame
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("client wrote %q: %v", b, err)
		}
		return f
	case <-time.After(waitTimeout):
		t.Fatal("client wrote nothing")
		return wire.ClientFrame{}
	}
}

// nextOf skips frames of other types (meta, ping) until one of typ.
func (r *fakeRelay) nextOf(t *testing.T, typ string) wire.ClientFrame {
	t.Helper()
	for {
		if f := r.next(t); f.Type == typ {
			return f
		}
	}
}

// drop cuts the connection as a network failure would.
func (r *fakeRelay) drop() { r.conn.closeOnce.Do(func() { close(r.conn.closed) }) }

// closeWith closes the connection with a WebSocket close status, as the
// relay does for a frame over its limit (1009).
func (r *fakeRelay) closeWith(code int) {
	r.conn.mu.Lock()
	r.conn.closeErr = &CloseError{Code: code}
	r.conn.mu.Unlock()
	r.drop()
}

// keepUp advances the clock by d while answering the client's pings, so
// that the link stays up as a healthy relay's would. Each answer carries a
// message from someone else (seq from firstSeq on) and is waited for in the
// View: the client has then read it before the pong deadline can fire.
func (h *harness) keepUp(relay *fakeRelay, d time.Duration, firstSeq uint64) {
	h.t.Helper()
	seq := firstSeq
	for d > 0 {
		step := min(d, DefaultPingInterval)
		h.clock.Advance(step)
		d -= step
		if step < DefaultPingInterval {
			continue
		}
		relay.nextOf(h.t, wire.TypePing)
		text := fmt.Sprintf("still here %d", seq)
		relay.send(h.t, wire.ServerFrame{Type: wire.TypePong}, msg(seq, "other-cid", fmt.Sprintf("k%d", seq), "other", text))
		h.waitView(text, func(v View) bool { return hasLine(v, LineMessage, text) })
		seq++
	}
}

func (r *fakeRelay) waitClosed(t *testing.T) {
	t.Helper()
	select {
	case <-r.conn.closed:
	case <-time.After(waitTimeout):
		t.Fatal("client did not close the connection")
	}
}

// msg builds a relay msg frame carrying this client's data format.
func msg(seq uint64, cid, id, nick, text string) wire.Msg {
	data, _ := json.Marshal(messageData{Nick: nick, Text: text})
	return wire.Msg{Type: wire.TypeMsg, Seq: seq, TS: 1_740_000_000_000 + int64(seq), Conn: "c-" + cid, CID: cid, ID: id, Data: data}
}

// echo is the relay's msg for a pub the client wrote.
func echo(t *testing.T, seq uint64, cid string, pub wire.ClientFrame) wire.Msg {
	t.Helper()
	if pub.Type != wire.TypePub {
		t.Fatalf("expected a pub, got %+v", pub)
	}
	return wire.Msg{Type: wire.TypeMsg, Seq: seq, TS: 1_740_000_000_000, Conn: "c-me", CID: cid, ID: pub.ID, Data: pub.Data}
}

// harness runs a Client against the fakes and stops it at test end.
type harness struct {
	t         *testing.T
	client    *Client
	clock     *manualClock
	transport *fakeTransport
	store     Store
	done      chan struct{}
	cancel    context.CancelFunc
	wait      runWait
}

// runWait follows Client.onWait: whether Run waits with nothing due.
type runWait struct {
	mu      sync.Mutex
	waiting bool
	changed chan struct{} // capacity 1
}

func (w *runWait) report(waiting bool) {
	w.mu.Lock()
	w.waiting = waiting
	w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

func (w *runWait) idle() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.waiting
}

// expectNoDial waits until Run waits for a timer or RetryNow with nothing
// due, failing on any dial before that: a dial that an Advance or a stray
// RetryNow set off cannot slip past it.
func (h *harness) expectNoDial() {
	h.t.Helper()
	deadline := time.After(waitTimeout)
	for !h.wait.idle() {
		select {
		case req := <-h.transport.dials:
			h.t.Fatalf("unexpected dial %s", req.url)
		case <-h.wait.changed:
		case <-deadline:
			h.t.Fatal("Run never came to wait for a timer or RetryNow")
		}
	}
}

func defaultOptions() Options {
	return Options{Relays: []string{"ws://relay.test/ws"}, Room: "lobby", CID: "me-cid", Nick: "brave-otter", Rand: func() float64 { return 0.5 }}
}

// start creates and runs a client; o's zero Transport, Store and Clock get fakes.
func start(t *testing.T, o Options) *harness {
	t.Helper()
	h := newHarness(t, o)
	h.run()
	return h
}

func newHarness(t *testing.T, o Options) *harness {
	h := &harness{t: t, clock: newManualClock(), transport: newFakeTransport(), store: o.Store}
	if h.store == nil {
		h.store = NewMemoryStore()
	}
	if o.Clock != nil {
		h.clock = o.Clock.(*manualClock)
	}
	o.Transport, o.Store, o.Clock = h.transport, h.store, h.clock
	h.client = New(o)
	h.wait.changed = make(chan struct{}, 1)
	h.client.onWait = h.wait.report
	return h
}

func (h *harness) run() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan struct{})
	go func() {
		defer close(h.done)
		h.client.Run(ctx)
	}()
	h.t.Cleanup(h.stop)
}

// stop cancels Run and waits for it to return.
func (h *harness) stop() {
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(waitTimeout):
		h.t.Error("Run did not return")
	}
}

// connect accepts the next dial and welcomes the client.
func (h *harness) connect(w wire.Welcome) (*fakeRelay, *dialRequest) {
	h.t.Helper()
	req := h.transport.expectDial(h.t)
	relay := req.accept()
	relay.welcome(h.t, w)
	h.waitView("online", func(v View) bool { return v.State == StateOnline })
	return relay, req
}

// connectWithReplay is connect for a welcome whose seq is past what the
// client has: the relay sends the replay up to it in the same frame, and
// the client shows neither before the replay is in (replay_hold.go).
func (h *harness) connectWithReplay(w wire.Welcome, replay ...any) (*fakeRelay, *dialRequest) {
	h.t.Helper()
	req := h.transport.expectDial(h.t)
	relay := req.accept()
	w.Type = wire.TypeWelcome
	if w.Conn == "" {
		w.Conn = "c-me"
	}
	if w.Epoch == "" {
		w.Epoch = testEpoch
	}
	relay.send(h.t, append([]any{w}, replay...)...)
	h.waitView("online", func(v View) bool { return v.State == StateOnline })
	return relay, req
}

// connectUnreplayed is connect for a welcome whose seq is past what the
// client has and that no replay follows (the relay's log could not give
// it): the client shows it after DefaultReplayHold.
func (h *harness) connectUnreplayed(w wire.Welcome) (*fakeRelay, *dialRequest) {
	h.t.Helper()
	req := h.transport.expectDial(h.t)
	relay := req.accept()
	relay.welcome(h.t, w)
	h.clock.waitArmed(h.t, DefaultReplayHold)
	h.clock.Advance(DefaultReplayHold)
	h.waitView("online", func(v View) bool { return v.State == StateOnline })
	return relay, req
}

// sessionAlive reports whether the client still runs its session on
// relay's connection and never closed it.
func (h *harness) sessionAlive(relay *fakeRelay) bool {
	h.client.mu.Lock()
	s := h.client.sess
	h.client.mu.Unlock()
	if s == nil || s.conn != Conn(relay.conn) {
		return false
	}
	select {
	case <-s.dead:
		return false
	default:
	}
	relay.conn.mu.Lock()
	defer relay.conn.mu.Unlock()
	return relay.conn.closes == 0
}

// waitView waits, on Changed, until cond holds for the View.
func (h *harness) waitView(what string, cond func(View) bool) View {
	h.t.Helper()
	return waitView(h.t, h.client, what, cond)
}

func waitView(t *testing.T, c *Client, what string, cond func(View) bool) View {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		v := c.View()
		if cond(v) {
			return v
		}
		select {
		case <-c.Changed():
		case <-deadline:
			t.Fatalf("timed out waiting for %s; view: state=%v detail=%q lines=%v members=%v", what, v.State, v.Detail, texts(v.Lines), v.Members)
			return v
		}
	}
}

func texts(lines []Line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
		if l.Kind == LineMessage {
			out[i] = l.Nick + ": " + l.Text + " [" + l.Status.String() + "]"
		}
	}
	return out
}

func messageLines(v View) []Line {
	return slices.DeleteFunc(slices.Clone(v.Lines), func(l Line) bool { return l.Kind != LineMessage })
}

func hasLine(v View, kind LineKind, text string) bool {
	return slices.ContainsFunc(v.Lines, func(l Line) bool { return l.Kind == kind && l.Text == text })
}

func countLines(v View, kind LineKind, text string) int {
	n := 0
	for _, l := range v.Lines {
		if l.Kind == kind && l.Text == text {
			n++
		}
	}
	return n
}
