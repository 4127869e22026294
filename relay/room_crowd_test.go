package relay

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// crowdConfig is a relay whose rooms are crowds past limit members, with
// the per-address limits lifted: every test client is on 127.0.0.1.
func crowdConfig(limit, queue int) Config {
	return Config{PresenceLimit: limit, Queue: queue, MaxConnsPerIP: Unlimited, HandshakesPerIP: Unlimited}
}

// presenceView is what a client holds of a room's presence, built the way
// PROTOCOL.md tells clients to: welcome, then join, leave and presence.
type presenceView struct {
	me    string
	count int // welcome.count or presence.count; 0: only the list counts
	list  map[string]wire.Peer
}

func newPresenceView(w wire.ServerFrame) *presenceView {
	v := &presenceView{me: w.Conn, count: w.Count, list: map[string]wire.Peer{}}
	for _, p := range w.Peers {
		v.list[p.Conn] = p
	}
	return v
}

func (v *presenceView) apply(f wire.ServerFrame) {
	switch f.Type {
	case wire.TypeJoin:
		v.list[f.Peer.Conn] = *f.Peer
		if v.count > 0 {
			v.count++
		}
	case wire.TypeLeave:
		delete(v.list, f.Conn)
		if v.count > 0 {
			v.count--
		}
	case wire.TypePresence:
		v.count = f.Count
		for _, p := range f.Peers {
			if p.Conn != v.me {
				v.list[p.Conn] = p
			}
		}
		for _, c := range f.Gone {
			delete(v.list, c)
		}
	}
}

// dialMany connects n clients to room at once, in batches of 32, and
// returns them with their welcomes, in no particular order.
func dialMany(t *testing.T, tr *testRelay, room string, n int) ([]*testClient, []wire.ServerFrame) {
	t.Helper()
	clients := make([]*testClient, n)
	errs := make([]error, n)
	for start := 0; start < n; start += 32 {
		var wg sync.WaitGroup
		for i := start; i < min(start+32, n); i++ {
			wg.Go(func() {
				conn, _, err := tr.dialRaw(query(room, fmt.Sprintf("c%d", i)), nil)
				if err != nil {
					errs[i] = err
					return
				}
				clients[i] = newTestClient(t, conn)
			})
		}
		wg.Wait()
	}
	welcomes := make([]wire.ServerFrame, n)
	for i, c := range clients {
		if errs[i] != nil {
			t.Fatalf("dial %d: %v", i, errs[i])
		}
		welcomes[i] = c.expect(wire.TypeWelcome)
	}
	return clients, welcomes
}

// TestServer_Crowd_FillsWithoutDrops fills one room far past the presence
// limit, with a queue that the N² join announcements would overflow: no
// member is dropped, each gets a handful of presence objects instead of
// one per join, and every member ends up with the true count.
func TestServer_Crowd_FillsWithoutDrops(t *testing.T) {
	// queue exceeds limit so that the exact presence of the first limit
	// joins (announced one by one) cannot drop a loaded reader; past the
	// limit, 300 members' presence would overflow it many times over.
	const limit, members, queue = 20, 300, 32
	tr := startRelay(t, crowdConfig(limit, queue))
	clients, welcomes := dialMany(t, tr, "big", members)

	for i, w := range welcomes {
		if len(w.Peers) > limit {
			t.Fatalf("welcome %d lists %d peers, want at most %d", i, len(w.Peers), limit)
		}
	}
	for i, c := range clients {
		v := newPresenceView(welcomes[i])
		frames := c.until(func(f wire.ServerFrame) bool {
			v.apply(f)
			return f.Type == wire.TypePresence && f.Count == members
		})
		if len(frames) > limit+20 {
			t.Fatalf("member %d got %d presence objects while the room filled; want linear presence", i, len(frames))
		}
		if len(v.list) > limit {
			t.Fatalf("member %d holds %d peers, want at most %d", i, len(v.list), limit)
		}
	}
	if n := metricValue(t, tr, `relay_dropped_total{reason="slow_consumer"}`); n != "0" {
		t.Fatalf("%s members dropped as slow consumers", n)
	}
	// Everyone still keeps up with msgs.
	clients[0].pub("after-fill", "hello")
	for i, c := range clients {
		if f := c.skipTo(wire.TypeMsg); f.ID != "after-fill" {
			t.Fatalf("member %d got msg %q", i, f.ID)
		}
	}
}

// TestServer_Crowd_ListAndCount: below the limit chat.v1 is unchanged
// (join, leave, no count); past it welcome lists the first limit members
// plus the count, and presence carries the count and the list's changes;
// back within the limit joins are announced again.
func TestServer_Crowd_ListAndCount(t *testing.T) {
	tr := startRelay(t, crowdConfig(3, 0))
	dial := func(cid string) (*testClient, wire.ServerFrame) {
		c := tr.dial(t, query("r", cid))
		return c, c.expect(wire.TypeWelcome)
	}
	ada, aw := dial("ada")
	bob, bw := dial("bob")
	cyd, cw := dial("cyd")
	if cw.Count != 0 || len(cw.Peers) != 2 {
		t.Fatalf("welcome at the limit: count %d, %d peers; want no count, 2 peers", cw.Count, len(cw.Peers))
	}
	view := newPresenceView(aw)
	for _, want := range []string{bw.Conn, cw.Conn} {
		f := ada.expect(wire.TypeJoin)
		if f.Peer.Conn != want {
			t.Fatalf("join of %s, want %s", f.Peer.Conn, want)
		}
		view.apply(f)
	}

	dan, dw := dial("dan") // the 4th: the room is a crowd
	if dw.Count != 4 || len(dw.Peers) != 3 || dw.Peers[0].Conn != aw.Conn || dw.Peers[2].Conn != cw.Conn {
		t.Fatalf("welcome past the limit: count %d, peers %+v; want 4 and ada, bob, cyd", dw.Count, dw.Peers)
	}
	eve, ew := dial("eve")
	if ew.Count != 5 || len(ew.Peers) != 3 {
		t.Fatalf("eve's welcome: count %d, %d peers; want 5, 3", ew.Count, len(ew.Peers))
	}
	for _, f := range ada.until(func(f wire.ServerFrame) bool { return f.Count == 5 }) {
		if f.Type != wire.TypePresence || len(f.Peers) != 0 || len(f.Gone) != 0 {
			t.Fatalf("got %+v, want presence with no list change", f)
		}
		view.apply(f)
	}

	bob.leave() // dan moves into the list
	f := ada.skipTo(wire.TypePresence)
	if f.Count != 4 || len(f.Peers) != 1 || f.Peers[0].Conn != dw.Conn || len(f.Gone) != 1 || f.Gone[0] != bw.Conn {
		t.Fatalf("got %+v, want count 4, dan in, bob gone", f)
	}
	view.apply(f)
	if len(view.list) != 2 || view.count != 4 { // cyd, dan (ada is me)
		t.Fatalf("ada holds %v, count %d", view.list, view.count)
	}

	dan.leave()
	eve.leave() // 2 left: back within the limit
	ada.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypePresence && f.Count == 2 })
	_, fw := dial("fay")
	if fw.Count != 0 || len(fw.Peers) != 2 {
		t.Fatalf("welcome back within the limit: count %d, %d peers", fw.Count, len(fw.Peers))
	}
	if f := ada.next(); f.Type != wire.TypeJoin || f.Peer.Conn != fw.Conn {
		t.Fatalf("got %+v, want fay's join", f)
	}
	ada.quiet()
	cyd.skipTo(wire.TypeJoin)
}

// TestServer_Crowd_MetaConfirmedAtOnce: in a crowd a member's meta is
// confirmed to it at once, and reaches the others in the list's changes.
func TestServer_Crowd_MetaConfirmedAtOnce(t *testing.T) {
	tr := startRelay(t, crowdConfig(1, 0))
	ada := tr.dial(t, query("r", "ada"))
	aw := ada.expect(wire.TypeWelcome)
	bob := tr.dial(t, query("r", "bob"))
	bob.expect(wire.TypeWelcome)
	ada.send(`{"type":"meta","data":{"nick":"Ada"}}`)
	if f := ada.skipTo(wire.TypeMeta); f.Conn != aw.Conn || string(f.Meta) != `{"nick":"Ada"}` {
		t.Fatalf("confirmation %+v", f)
	}
	f := bob.skipTo(wire.TypePresence)
	for f.Count != 2 || len(f.Peers) != 1 {
		f = bob.skipTo(wire.TypePresence)
	}
	if f.Peers[0].Conn != aw.Conn || string(f.Peers[0].Meta) != `{"nick":"Ada"}` {
		t.Fatalf("presence %+v, want ada's new meta", f)
	}
}

// TestMember_PresenceNotCountedAgainstQueue: presence frames queue beside
// a member's msgs and never count toward -queue.
func TestMember_PresenceNotCountedAgainstQueue(t *testing.T) {
	m := newMember("a", "c", nil, 2, newMetrics()) // no writer: frames only queue
	for range 100 {
		m.offerPresence([]byte(`{"type":"presence","count":1}`))
	}
	if !m.offer([]byte("1")) || !m.offer([]byte("2")) {
		t.Fatal("a member with presence queued could not take its msgs")
	}
	if m.offer([]byte("3")) {
		t.Fatal("-queue no longer bounds msgs")
	}
}

// gatedListener holds back every write to the first connection it accepts
// while its gate is shut: a member that reads slowly, on a real socket.
type gatedListener struct {
	net.Listener
	once sync.Once
	gate *gate
}

type gate struct {
	mu   sync.Mutex
	open *sync.Cond
	shut bool
}

func (g *gate) set(shut bool) {
	g.mu.Lock()
	g.shut = shut
	g.mu.Unlock()
	g.open.Broadcast()
}

func (l *gatedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	gated := false
	l.once.Do(func() { gated = true })
	if !gated {
		return c, nil
	}
	return &gatedConn{Conn: c, gate: l.gate}, nil
}

type gatedConn struct {
	net.Conn
	gate *gate
}

func (c *gatedConn) Write(p []byte) (int, error) {
	c.gate.mu.Lock()
	for c.gate.shut {
		c.gate.open.Wait()
	}
	c.gate.mu.Unlock()
	return c.Conn.Write(p)
}

// TestServer_Crowd_SlowReaderKeepsUp: a member whose socket takes nothing
// for several presence flushes, with a queue of 2, is not dropped: it
// keeps up with msgs, and presence does not count toward -queue.
func TestServer_Crowd_SlowReaderKeepsUp(t *testing.T) {
	g := &gate{}
	g.open = sync.NewCond(&g.mu)
	cfg := crowdConfig(2, 2)
	cfg.WriteTimeout = time.Minute // the gate holds writes for several flushes
	tr := startRelayOn(t, cfg, func(l net.Listener) net.Listener {
		return &gatedListener{Listener: l, gate: g}
	})
	slow := tr.dial(t, query("r", "slow"))
	slow.expect(wire.TypeWelcome)
	watcher := tr.dial(t, query("r", "watch"))
	watcher.expect(wire.TypeWelcome)
	slow.expect(wire.TypeJoin)

	g.set(true)
	t.Cleanup(func() { g.set(false) })
	for i := range 3 { // three flushes, each of a join and a leave
		c := tr.dial(t, query("r", fmt.Sprintf("churn%d", i)))
		c.expect(wire.TypeWelcome)
		watcher.skipTo(wire.TypePresence)
		c.leave()
		watcher.skipTo(wire.TypePresence)
	}
	watcher.pub("m1", "x")
	watcher.skipTo(wire.TypeMsg)
	g.set(false)

	if f := slow.skipTo(wire.TypeMsg); f.ID != "m1" {
		t.Fatalf("slow member got %+v", f)
	}
	slow.quiet()
	if n := metricValue(t, tr, `relay_dropped_total{reason="slow_consumer"}`); n != "0" {
		t.Fatalf("%s members dropped as slow consumers", n)
	}
}

// TestNATS_Crowd_SameAnswerOnEveryRelay: a crowd spread over two relays
// gives every member, on either relay, the count of both relays' members
// and the same bounded list.
func TestNATS_Crowd_SameAnswerOnEveryRelay(t *testing.T) {
	const limit, each = 10, 30
	n := startNATS(t)
	r1, r2 := startNATSRelay(t, n, crowdConfig(limit, 0)), startNATSRelay(t, n, crowdConfig(limit, 0))
	var clients []*testClient
	var welcomes []wire.ServerFrame
	for _, tr := range []*testRelay{r1, r2} {
		c, w := dialMany(t, tr, "big.nats", each)
		clients, welcomes = append(clients, c...), append(welcomes, w...)
	}
	union := map[string]bool{}
	for i, c := range clients {
		if len(welcomes[i].Peers) > limit {
			t.Fatalf("welcome %d lists %d peers", i, len(welcomes[i].Peers))
		}
		v := newPresenceView(welcomes[i])
		c.until(func(f wire.ServerFrame) bool {
			v.apply(f)
			return f.Type == wire.TypePresence && f.Count == 2*each
		})
		if len(v.list) > limit {
			t.Fatalf("member %d holds %d peers", i, len(v.list))
		}
		for conn := range v.list {
			union[conn] = true
		}
	}
	if len(union) != limit {
		t.Fatalf("members hold %d different peers between them, want the same %d", len(union), limit)
	}
}
