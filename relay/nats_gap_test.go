package relay

import (
	"io"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// natsLink is a TCP forwarder between one relay and NATS that the test can
// cut (every connection closed, new ones refused) and heal: a network
// partition of that relay alone.
type natsLink struct {
	t      *testing.T
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns []net.Conn
}

func startNATSLink(t *testing.T, natsURL string) *natsLink {
	t.Helper()
	u, err := net.ResolveTCPAddr("tcp", natsURL[len("nats://"):])
	if err != nil {
		t.Fatalf("nats url %q: %v", natsURL, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &natsLink{t: t, ln: ln, target: u.String()}
	done := make(chan struct{})
	go func() { defer close(done); l.accept() }()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		l.partition()
	})
	return l
}

func (l *natsLink) url() string { return "nats://" + l.ln.Addr().String() }

func (l *natsLink) accept() {
	for {
		client, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		if l.cut {
			l.mu.Unlock()
			_ = client.Close()
			continue
		}
		server, err := net.Dial("tcp", l.target)
		if err != nil {
			l.mu.Unlock()
			_ = client.Close()
			continue
		}
		l.conns = append(l.conns, client, server)
		l.mu.Unlock()
		go func() { _, _ = io.Copy(server, client); _ = server.Close() }()
		go func() { _, _ = io.Copy(client, server); _ = client.Close() }()
	}
}

// partition closes every forwarded connection and refuses new ones.
func (l *natsLink) partition() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = true
	for _, c := range l.conns {
		_ = c.Close()
	}
	l.conns = nil
}

// heal lets connections through again.
func (l *natsLink) heal() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = false
}

// TestNATS_FeedBackAfterEviction_MembersReconnectAndSeeTheGap: a relay cut
// off NATS while the room's stream evicts messages it never delivered must
// not skip them silently. Its members are closed with 1013 and, reconnecting
// with since, learn of the gap (recovered:false) and get what is kept.
func TestNATS_FeedBackAfterEviction_MembersReconnectAndSeeTheGap(t *testing.T) {
	n := startNATS(t)
	const history = 5
	r1 := startNATSRelay(t, n, Config{History: history})
	link := startNATSLink(t, n.url)
	cfg := Config{History: history, NATS: []string{link.url()}, PresenceInterval: testPresenceInterval}
	r2 := startRelay(t, cfg)
	r2.Start()
	r2.waitReady(t, true)

	const room = "gap.test"
	ann, _ := joinRoom(t, r1, room, "ann")
	bob, bw := joinRoom(t, r2, room, "bob")
	ann.pub("a0", 0)
	last := collectMsgs(bob, 1)[0].Seq

	link.partition()
	r2.waitReady(t, false)
	collectMsgs(ann, 1) // a0
	// One at a time, each echoed before the next, so that relay 1's feed
	// keeps up and only the partitioned relay 2 misses what is evicted.
	const missed = 2 * history
	for i := 1; i <= missed; i++ {
		ann.pub("a"+strconv.Itoa(i), i)
		collectMsgs(ann, 1)
	}
	link.heal()

	bob.wantClose(websocket.StatusTryAgainLater)
	bob2, w := joinRoom(t, r2, room, "bob", "since", strconv.FormatUint(last, 10), "epoch", bw.Epoch)
	if w.Recovered {
		t.Fatalf("welcome after the gap: recovered=true, want false (seqs %d..%d were evicted)", last+1, w.Seq-history)
	}
	replay := collectMsgs(bob2, history)
	if first := replay[0].Seq; first != w.Seq-history+1 || replay[history-1].Seq != w.Seq {
		t.Fatalf("replay seqs %d..%d, want the %d kept, up to %d", first, replay[history-1].Seq, history, w.Seq)
	}
}
