package relay

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// TestServer_Run_ShutdownCloses1001: canceling Serve's context (what main
// does on SIGTERM/SIGINT) closes every connection with 1001, stops
// accepting, and Serve returns nil.
func TestServer_Run_ShutdownCloses1001(t *testing.T) {
	s, err := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	base := "ws://" + ln.Addr().String() + "/ws?"
	var clients []*testClient
	for _, cid := range []string{"a", "b"} {
		conn, _, err := websocket.Dial(ctx, base+query("bye", cid), nil)
		if err != nil {
			t.Fatal(err)
		}
		c := newTestClient(t, conn)
		c.expect(wire.TypeWelcome)
		clients = append(clients, c)
	}
	clients[0].expect(wire.TypeJoin)
	clients[0].pub("last", "before shutdown")

	cancel()
	for _, c := range clients {
		c.wantClose(websocket.StatusGoingAway)
	}
	if err := waitFor(t, served, "Serve to return"); err != nil {
		t.Fatalf("Serve = %v, want nil", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("still accepting after shutdown")
	}
}

// TestServer_Shutdown_RefusesNewConnections covers a relay embedded in
// another server: after Shutdown, /ws answers 503 and /healthz 503.
func TestServer_Shutdown_RefusesNewConnections(t *testing.T) {
	tr := startRelay(t, Config{})
	c := tr.dial(t, query("s", "a"))
	c.expect(wire.TypeWelcome)
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.wantClose(websocket.StatusGoingAway)
	if _, resp, err := tr.dialRaw(query("s", "b"), nil); err == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after shutdown: %v %v, want 503", err, resp)
	}
	resp, err := http.Get(tr.http.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("healthz = %d, want 503", resp.StatusCode)
	}
}
