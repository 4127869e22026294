package relay

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/chatpwa/chat/relay/wire"
)

// testPresenceInterval makes relays in tests heartbeat fast, so that a dead
// relay's members leave within a second.
const testPresenceInterval = 200 * time.Millisecond

// testNATS is a real NATS server with JetStream, in process, on loopback,
// storing into a temporary directory. It can be stopped and started again
// on the same port with the same store, as after a crash.
type testNATS struct {
	t    *testing.T
	opts *natsserver.Options
	srv  *natsserver.Server
	url  string
}

// startNATS starts a NATS server; it is shut down when the test ends.
func startNATS(t *testing.T) *testNATS {
	t.Helper()
	n := &testNATS{t: t, opts: &natsserver.Options{
		Host:      "127.0.0.1",
		Port:      natsserver.RANDOM_PORT,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
		NoSigs:    true,
	}}
	n.start()
	// The port is fixed from now on, so that a restart keeps the URL.
	n.opts.Port = n.srv.Addr().(*net.TCPAddr).Port
	t.Cleanup(n.stop)
	return n
}

func (n *testNATS) start() {
	n.t.Helper()
	srv, err := natsserver.NewServer(n.opts.Clone())
	if err != nil {
		n.t.Fatalf("nats server: %v", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(waitTimeout) {
		n.t.Fatal("nats server not ready")
	}
	n.srv, n.url = srv, srv.ClientURL()
}

// stop shuts the server down and waits for it.
func (n *testNATS) stop() {
	if n.srv == nil {
		return
	}
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
	n.srv = nil
}

// restart starts the server again on the same port and store.
func (n *testNATS) restart() {
	n.t.Helper()
	n.start()
}

// startNATSRelay starts a relay on n; it is shut down when the test ends.
// It returns once the relay is connected.
func startNATSRelay(t *testing.T, n *testNATS, cfg Config) *testRelay {
	t.Helper()
	cfg.NATS = []string{n.url}
	setDefault(&cfg.PresenceInterval, testPresenceInterval)
	tr := startRelay(t, cfg)
	tr.Start()
	tr.waitReady(t, true)
	return tr
}

// natsConn returns the relay's connection to NATS.
func (tr *testRelay) natsConn() *natsConn { return tr.hub.logs.(*natsLogs).conn }

// waitReady waits until the relay's broker readiness is want.
func (tr *testRelay) waitReady(t *testing.T, want bool) {
	t.Helper()
	b := tr.natsConn()
	deadline := time.After(waitTimeout)
	for {
		changed := b.readyNotify()
		if b.ready() == want {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("relay ready=%v, want %v within %v", !want, want, waitTimeout)
		}
	}
}

// readyz returns the status of GET /readyz.
func (tr *testRelay) readyz(t *testing.T) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, tr.http.URL+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /readyz: %v", err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// crash cuts the relay off NATS without a goodbye, as a killed process
// would be, then closes its connections: the other relays only notice its
// silence.
func (tr *testRelay) crash(t *testing.T) {
	t.Helper()
	tr.natsConn().nc.Load().Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// until returns frames of c until (and including) the first for which
// done returns true.
func (c *testClient) until(done func(wire.ServerFrame) bool) []wire.ServerFrame {
	c.t.Helper()
	var got []wire.ServerFrame
	deadline := time.After(waitTimeout)
	for {
		select {
		case f := <-c.frames:
			got = append(got, f)
			if done(f) {
				return got
			}
		case <-c.done:
			select {
			case f := <-c.frames:
				got = append(got, f)
				if done(f) {
					return got
				}
				continue
			default:
			}
			c.t.Fatalf("connection ended: %v (after %d frames)", c.err, len(got))
		case <-deadline:
			c.t.Fatalf("condition not met within %v (after %d frames: %+v)", waitTimeout, len(got), got)
		}
	}
}

// msgs returns the msg frames among frames.
func msgs(frames []wire.ServerFrame) []wire.ServerFrame {
	var out []wire.ServerFrame
	for _, f := range frames {
		if f.Type == wire.TypeMsg {
			out = append(out, f)
		}
	}
	return out
}

// hasPeer reports whether peers lists conn.
func hasPeer(peers []wire.Peer, conn string) bool {
	for _, p := range peers {
		if p.Conn == conn {
			return true
		}
	}
	return false
}

// noMsgsPending is quiet for a member of a room spread over relays under
// load: a relay whose heartbeats are late past presenceMissedBeats
// intervals is declared gone, and its members leave and join again, which
// the relay may tell any time. Anything else before the pong fails.
func (c *testClient) noMsgsPending() {
	c.t.Helper()
	c.send(`{"type":"ping"}`)
	for {
		switch f := c.next(); f.Type {
		case wire.TypePong:
			return
		case wire.TypeJoin, wire.TypeLeave, wire.TypeMeta, wire.TypePresence:
		default:
			c.t.Fatalf("unexpected %s frame %+v", f.Type, f)
		}
	}
}
