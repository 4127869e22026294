package relay

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// serveRelay runs cfg through Serve (the http.Server Run builds, with its
// timeouts) on a loopback port and returns its address; the relay stops
// when the test ends.
func serveRelay(t *testing.T, cfg Config) string {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := waitFor(t, served, "Serve to return"); err != nil {
			t.Errorf("Serve = %v", err)
		}
	})
	return ln.Addr().String()
}

// waitClosedByServer reads from conn until the server closes it, and fails
// if that takes longer than within.
func waitClosedByServer(t *testing.T, conn net.Conn, within time.Duration) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(within))
	_, err := io.Copy(io.Discard, conn) // whatever the server answers, until it closes
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %v", within)
	}
}

// TestServe_Slowloris_ClosedWithinReadHeaderTimeout: sockets that send
// nothing, or half a request header, are closed by the relay once
// ReadHeaderTimeout has passed, not held for the (longer) read timeout.
func TestServe_Slowloris_ClosedWithinReadHeaderTimeout(t *testing.T) {
	const headerTimeout = 200 * time.Millisecond
	addr := serveRelay(t, Config{ReadHeaderTimeout: headerTimeout, HTTPReadTimeout: time.Minute, HTTPIdleTimeout: time.Minute})
	for name, sent := range map[string]string{
		"nothing":     "",
		"half header": "GET /ws?room=r&cid=c HTTP/1.1\r\nHost: relay\r\nUpgrade: webs",
	} {
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, sent); err != nil {
				t.Fatal(err)
			}
			// Far below the minute of the other timeouts: only
			// ReadHeaderTimeout can close it this early.
			waitClosedByServer(t, conn, 25*headerTimeout)
		})
	}
}

// TestServe_IdleKeepAliveClosed: a keep-alive connection that sends no
// second request is closed after HTTPIdleTimeout.
func TestServe_IdleKeepAliveClosed(t *testing.T) {
	const idle = 200 * time.Millisecond
	addr := serveRelay(t, Config{HTTPIdleTimeout: idle, HTTPReadTimeout: time.Minute, ReadHeaderTimeout: time.Minute})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("first request: %v %v", resp, err)
	}
	resp.Body.Close()
	waitClosedByServer(t, conn, 25*idle)
}

// TestServe_WebSocketOutlivesHTTPTimeouts: the http.Server's read, write
// and idle timeouts bound plain requests only; a WebSocket keeps talking
// long after all of them have passed.
func TestServe_WebSocketOutlivesHTTPTimeouts(t *testing.T) {
	const timeout = 100 * time.Millisecond
	addr := serveRelay(t, Config{ReadHeaderTimeout: timeout, HTTPReadTimeout: timeout,
		HTTPWriteTimeout: timeout, HTTPIdleTimeout: timeout})
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws?"+query("long", "c"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, conn)
	c.expect(wire.TypeWelcome)
	// Round trips for ten timeouts: each would fail once a deadline set
	// before the upgrade had passed.
	for start := time.Now(); time.Since(start) < 10*timeout; {
		c.send(`{"type":"ping"}`)
		c.expect(wire.TypePong)
	}
}
