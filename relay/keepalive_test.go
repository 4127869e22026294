package relay

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

func TestServer_Ping_Pong(t *testing.T) {
	tr := startRelay(t, Config{})
	c := tr.dial(t, query("p", "pinger"))
	c.expect(wire.TypeWelcome)
	for range 3 {
		c.send(`{"type":"ping"}`)
		c.expect(wire.TypePong)
	}
	// Pings are not rate limited: many more than the burst all get pongs.
	for range 2 * DefaultBurst {
		c.send(`{"type":"ping"}`)
	}
	for range 2 * DefaultBurst {
		c.expect(wire.TypePong)
	}
}

// TestServer_Keepalive_DropsSilentPeer: a raw TCP peer completes the
// handshake, then never answers the relay's pings; it is dropped and the
// room sees it leave. The real client in the room answers pings and stays.
func TestServer_Keepalive_DropsSilentPeer(t *testing.T) {
	tr := startRelay(t, Config{PingInterval: 50 * time.Millisecond, PingTimeout: 250 * time.Millisecond})
	pings := make(chan struct{}, 100)
	conn, _, err := websocket.Dial(context.Background(), tr.wsURL(query("k", "watcher")), &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			select {
			case pings <- struct{}{}:
			default:
			}
			return true // and answer it
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	watcher := newTestClient(t, conn)
	watcher.expect(wire.TypeWelcome)

	silent, err := net.Dial("tcp", tr.http.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	fmt.Fprintf(silent, "GET /ws?%s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
		query("k", "silent"), tr.http.Listener.Addr())
	resp, err := http.ReadResponse(bufio.NewReader(silent), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake status %d", resp.StatusCode)
	}
	// From here the peer reads nothing and answers nothing.

	j := watcher.expect(wire.TypeJoin)
	if j.Peer.CID != "silent" {
		t.Fatalf("join = %+v", j.Peer)
	}
	l := watcher.expect(wire.TypeLeave)
	if l.Conn != j.Peer.Conn || l.CID != "silent" {
		t.Fatalf("leave = %+v, want the silent peer", l)
	}
	if got := metricValue(t, tr, "relay_ping_timeouts_total"); got != "1" {
		t.Fatalf("relay_ping_timeouts_total = %s, want 1", got)
	}
	if got := metricValue(t, tr, `relay_dropped_total{reason="ping_timeout"}`); got != "1" {
		t.Fatalf("dropped ping_timeout = %s, want 1", got)
	}
	// Several pings later, the client that answers them is still there.
	for range 3 {
		waitFor(t, pings, "a ping from the relay")
	}
	watcher.quiet()
}
