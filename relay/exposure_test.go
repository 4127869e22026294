package relay

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServer_Metrics_LoopbackOnly: /metrics on the main listener answers a
// client on this host, and 403 to anyone else, including the world coming
// through a proxy on loopback (which says so in X-Forwarded-For/Forwarded).
func TestServer_Metrics_LoopbackOnly(t *testing.T) {
	tr := startRelay(t, Config{})
	get := func(header http.Header) (int, string) {
		req, err := http.NewRequest(http.MethodGet, tr.http.URL+"/metrics", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header = header
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := get(http.Header{}); status != http.StatusOK || !strings.Contains(body, "relay_connections") {
		t.Fatalf("loopback client: %d", status)
	}
	for _, h := range []http.Header{
		{"X-Forwarded-For": {"203.0.113.5"}},
		{"X-Forwarded-For": {"127.0.0.1"}}, // forged or not, it was forwarded
		{"Forwarded": {"for=203.0.113.5"}},
	} {
		if status, body := get(h); status != http.StatusForbidden || !strings.Contains(body, "loopback clients only") {
			t.Fatalf("forwarded %v: %d %q, want 403", h, status, body)
		}
	}
	// A peer elsewhere on the network (this test may only listen on
	// loopback, so the request is handed to the Server directly).
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.RemoteAddr = "192.0.2.10:40000"
	rec := httptest.NewRecorder()
	tr.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("remote peer: %d, want 403", rec.Code)
	}
}

// TestServe_MetricsAddr: with MetricsAddr the metrics move there, to
// everyone, and leave the main listener.
func TestServe_MetricsAddr(t *testing.T) {
	metricsAddr := freeLoopbackAddr(t)
	listening := make(chan struct{}, 1)
	addr := serveRelay(t, Config{MetricsAddr: metricsAddr, Logger: slog.New(logWatch{
		Handler: slog.NewTextHandler(io.Discard, nil), message: "relay metrics listening", seen: listening})})
	waitFor(t, listening, "the metrics listener") // Serve runs in its own goroutine
	status := func(url string) int {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status("http://" + metricsAddr + "/metrics"); got != http.StatusOK {
		t.Fatalf("metrics address /metrics = %d", got)
	}
	if got := status("http://" + metricsAddr + "/healthz"); got != http.StatusNotFound {
		t.Fatalf("metrics address serves more than /metrics: /healthz = %d", got)
	}
	if got := status("http://" + addr + "/metrics"); got != http.StatusNotFound {
		t.Fatalf("main listener /metrics = %d, want 404 with MetricsAddr", got)
	}
}

// logWatch signals seen when a record with message is logged.
type logWatch struct {
	slog.Handler
	message string
	seen    chan<- struct{}
}

func (w logWatch) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == w.message {
		select {
		case w.seen <- struct{}{}:
		default:
		}
	}
	return w.Handler.Handle(ctx, r)
}

// freeLoopbackAddr is a loopback address no one listens on right now.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestServer_ReferrerPolicy: pages and every /ws answer (diagnoses,
// refusals) tell the browser to send no Referer: tokens and ckeys travel in
// URLs.
func TestServer_ReferrerPolicy(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	tr := startRelay(t, Config{Web: dir})
	for _, path := range []string{"/", "/ws?" + query("r", "c"), "/ws?" + query("bad room", "c")} {
		resp, err := http.Get(tr.http.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("%s (%d): Referrer-Policy %q, want no-referrer", path, resp.StatusCode, got)
		}
	}
	_, resp, err := tr.dialRaw(query("bad room", "c"), nil)
	if err == nil || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("refused handshake: %v, Referrer-Policy %q", err, resp.Header.Get("Referrer-Policy"))
	}
}
