package relay

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// startRelayPrepared is startRelay with prepare run on the Server before it
// accepts anything, for hooks a test sets without racing the handlers.
func startRelayPrepared(t *testing.T, cfg Config, prepare func(*Server)) *testRelay {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	prepare(s)
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
	})
	return &testRelay{Server: s, http: ts}
}

// wantRefused dials with header and fails unless the handshake gets status
// with body, and the diagnosis (a plain GET of the same URL) the same.
func wantRefused(t *testing.T, tr *testRelay, q string, header http.Header, status int, body string) {
	t.Helper()
	_, resp, err := tr.dialRaw(q, header)
	if err == nil || resp == nil || resp.StatusCode != status {
		t.Fatalf("dial %s: %v %+v, want HTTP %d", q, err, resp, status)
	}
	if status == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	got, text := getWithHeader(t, tr, q, header)
	if got != status || !strings.Contains(text, body) {
		t.Fatalf("diagnosis of %s = %d %q, want %d %q", q, got, text, status, body)
	}
}

// getWithHeader is plainGet with any headers (X-Forwarded-For).
func getWithHeader(t *testing.T, tr *testRelay, q string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, tr.http.URL+"/ws?"+q, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func forwardedFor(addr string) http.Header { return http.Header{"X-Forwarded-For": {addr}} }

// TestServer_MaxConnsPerIP_429AndReleasedOnce: the address's connections
// beyond MaxConnsPerIP get 429 before the upgrade (and in the diagnosis);
// every way a connection ends gives its slot back exactly once, so the
// address can fill its quota again and the table ends empty.
func TestServer_MaxConnsPerIP_429AndReleasedOnce(t *testing.T) {
	const perIP = 3
	released := make(chan struct{}, 100)
	tr := startRelayPrepared(t, Config{MaxConnsPerIP: perIP, HandshakesPerIP: Unlimited, MaxMessage: minMaxMessage},
		func(s *Server) { s.addrLimits.onRelease = func() { released <- struct{}{} } })

	for round := range 2 {
		clients := make([]*testClient, perIP)
		for i := range clients {
			clients[i] = tr.dial(t, query("ip", fmt.Sprintf("c%d-%d", round, i)))
			clients[i].skipTo(wire.TypeWelcome)
		}
		wantRefused(t, tr, query("ip", "one-more"), nil, http.StatusTooManyRequests, "too many connections from this address")
		// Another address is not affected.
		other := forwardedFor("203.0.113.9")
		conn, _, err := tr.dialRaw(query("ip", "elsewhere"), other)
		if err != nil {
			t.Fatalf("another address refused: %v", err)
		}
		newTestClient(t, conn).leave()
		waitFor(t, released, "the other address's slot")

		// Three ends: a normal close, a cut connection, a drop by the relay (1009).
		clients[0].leave()
		clients[1].close()
		clients[2].send(`{"type":"pub","id":"big","data":"` + strings.Repeat("x", minMaxMessage) + `"}`)
		clients[2].wantClose(websocket.StatusMessageTooBig)
		for range perIP {
			waitFor(t, released, "a released slot")
		}
	}
	// Exactly once: nothing more is released, and nothing is left.
	if conns, _ := tr.addrLimits.tracked(); conns != 0 {
		t.Fatalf("%d addresses still hold connections after every connection ended", conns)
	}
	select {
	case <-released:
		t.Fatal("a slot was released twice")
	default:
	}
	if got := metricValue(t, tr, `relay_rejected_total{reason="address_conns"}`); got != "2" {
		t.Errorf("rejected address_conns = %s, want 2", got)
	}
}

// TestAddressLimits_ReleaseTwiceCountsOnce: a release function called again
// (Accept failing after the hijack, then the handler) frees one slot.
func TestAddressLimits_ReleaseTwiceCountsOnce(t *testing.T) {
	l := newAddressLimits(Config{MaxConnsPerIP: 2})
	key := addressKey(netip.MustParseAddr("192.0.2.1"))
	first, _ := l.reserveConn(key)
	if _, ok := l.reserveConn(key); !ok {
		t.Fatal("second slot refused")
	}
	first()
	first()
	if _, ok := l.reserveConn(key); !ok {
		t.Fatal("slot not released")
	}
	if _, ok := l.reserveConn(key); ok {
		t.Fatal("a double release freed two slots")
	}
}

// TestServer_HandshakesPerIP_429ThenRefills: an address gets its burst of
// /ws requests, handshakes and diagnoses alike, then 429 until its bucket
// refills; other addresses keep theirs.
func TestServer_HandshakesPerIP_429ThenRefills(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_000_000, 0)
	tr := startRelayPrepared(t, Config{HandshakesPerIP: 1, HandshakeBurst: 3}, func(s *Server) {
		s.addrLimits.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	c := tr.dial(t, query("hs", "a")) // 1
	c.expect(wire.TypeWelcome)
	for range 2 { // 2, 3
		if status, body := getWithHeader(t, tr, query("hs", "a"), nil); status != http.StatusUpgradeRequired {
			t.Fatalf("within the burst: %d %q", status, body)
		}
	}
	_, resp, err := tr.dialRaw(query("hs", "b"), nil)
	if err == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over the burst: %v %+v, want 429 with Retry-After", err, resp)
	}
	// Even a bad request spends nothing more: the limit comes first.
	if status, body := getWithHeader(t, tr, query("bad room", "a"), nil); status != http.StatusTooManyRequests || !strings.Contains(body, "too many handshakes") {
		t.Fatalf("bad request over the limit = %d %q, want 429 too many handshakes", status, body)
	}
	if status, _ := getWithHeader(t, tr, query("hs", "b"), forwardedFor("198.51.100.7")); status != http.StatusUpgradeRequired {
		t.Fatalf("another address = %d, want 426", status)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	b := tr.dial(t, query("hs", "b"))
	b.expect(wire.TypeWelcome)
	if status, _ := getWithHeader(t, tr, query("hs", "b"), nil); status != http.StatusTooManyRequests {
		t.Fatalf("after one refill spent = %d, want 429", status)
	}
	if got := metricValue(t, tr, `relay_rejected_total{reason="handshake_rate"}`); got != "1" {
		t.Errorf("rejected handshake_rate = %s, want 1 (diagnoses are not counted)", got)
	}
}

// TestServer_PerIPLimits_IPv6CountsPer64: addresses of one /64 share a
// quota; the next /64 has its own. The addresses come through the default
// trusted proxy (loopback) in X-Forwarded-For.
func TestServer_PerIPLimits_IPv6CountsPer64(t *testing.T) {
	tr := startRelay(t, Config{MaxConnsPerIP: 2, HandshakesPerIP: Unlimited})
	for i, addr := range []string{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"} {
		conn, _, err := tr.dialRaw(query("v6", fmt.Sprint("c", i)), forwardedFor(addr))
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		newTestClient(t, conn).expect(wire.TypeWelcome)
	}
	wantRefused(t, tr, query("v6", "c3"), forwardedFor("2001:db8:1:2::3"), http.StatusTooManyRequests, "too many connections from this address")
	conn, _, err := tr.dialRaw(query("v6", "c4"), forwardedFor("2001:db8:1:3::1"))
	if err != nil {
		t.Fatalf("the next /64 refused: %v", err)
	}
	newTestClient(t, conn).expect(wire.TypeWelcome)
}

// TestServer_TrustedProxies: only a trusted peer's X-Forwarded-For counts,
// and only its rightmost untrusted hop; without trusted proxies the header
// is ignored and everyone behind loopback is one address.
func TestServer_TrustedProxies(t *testing.T) {
	limits := Config{HandshakesPerIP: 0.001, HandshakeBurst: 1}

	trusting := startRelay(t, limits)
	for _, tc := range []struct {
		header http.Header
		want   int
	}{
		{forwardedFor("203.0.113.1"), http.StatusUpgradeRequired},
		{forwardedFor("203.0.113.1"), http.StatusTooManyRequests},
		// A client cannot escape by writing its own hops on the left…
		{forwardedFor("198.51.100.1, 203.0.113.1"), http.StatusTooManyRequests},
		// …nor by adding a trusted-looking hop: the proxy appends after it.
		{http.Header{"X-Forwarded-For": {"203.0.113.1, 127.0.0.1"}}, http.StatusTooManyRequests},
		{forwardedFor("203.0.113.2"), http.StatusUpgradeRequired},
		{http.Header{"Forwarded": {`for=192.0.2.60;proto=https, for="[2001:db8::7]:4711"`}}, http.StatusUpgradeRequired},
		{http.Header{"Forwarded": {`for="[2001:db8::8]:1"`}}, http.StatusTooManyRequests}, // same /64
		{nil, http.StatusUpgradeRequired},                                                 // the proxy itself: 127.0.0.1
	} {
		if got, body := getWithHeader(t, trusting, query("p", "c"), tc.header); got != tc.want {
			t.Fatalf("trusting loopback, %v: %d %q, want %d", tc.header, got, body, tc.want)
		}
	}

	limits.TrustedProxies = []string{}
	distrusting := startRelay(t, limits)
	if got, _ := getWithHeader(t, distrusting, query("p", "c"), forwardedFor("203.0.113.1")); got != http.StatusUpgradeRequired {
		t.Fatalf("first request = %d", got)
	}
	if got, _ := getWithHeader(t, distrusting, query("p", "c"), forwardedFor("203.0.113.2")); got != http.StatusTooManyRequests {
		t.Fatalf("trusting nobody, a forged X-Forwarded-For escaped the limit: %d", got)
	}
}

// TestAddressLimits_HandshakeTableBounded: an attacker with more addresses
// than maxHandshakeAddrs cannot grow the table past it; once their buckets
// have refilled the entries are swept and new addresses are served again.
func TestAddressLimits_HandshakeTableBounded(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	l := newAddressLimits(Config{HandshakesPerIP: 1, HandshakeBurst: 2})
	l.now = func() time.Time { return now }
	key := func(i int) netip.Prefix {
		return addressKey(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	for i := range maxHandshakeAddrs {
		if !l.allowHandshake(key(i)) {
			t.Fatalf("address %d refused below the bound", i)
		}
		if i%1000 == 0 {
			now = now.Add(time.Millisecond) // a flood, not all in one instant
		}
	}
	newcomer := key(maxHandshakeAddrs + 1)
	if l.allowHandshake(newcomer) {
		t.Fatal("a new address was admitted into a full table")
	}
	if _, n := l.tracked(); n > maxHandshakeAddrs {
		t.Fatalf("table holds %d entries, bound %d", n, maxHandshakeAddrs)
	}
	now = now.Add(3 * time.Second) // every bucket (2 at 1/s) is full again
	if !l.allowHandshake(newcomer) {
		t.Fatal("a new address is still refused after the flood's buckets refilled")
	}
	if _, n := l.tracked(); n != 1 {
		t.Fatalf("after the sweep the table holds %d entries, want 1", n)
	}
}

// TestServer_PerIPLimits_Order: the connection quota of an address is
// checked after the token (a client without one learns that first) and
// before the relay's capacity (a busy address learns it is the problem).
func TestServer_PerIPLimits_Order(t *testing.T) {
	const secret = "order-secret"
	tr := startRelay(t, Config{Secret: secret, MaxConnsPerIP: 1, MaxConns: 1, HandshakesPerIP: Unlimited})
	token, err := IssueToken(secret, "o", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tr.dial(t, query("o", "occupant", "token", token)).expect(wire.TypeWelcome)
	wantRefused(t, tr, query("o", "a"), nil, http.StatusUnauthorized, "missing token")
	wantRefused(t, tr, query("o", "a", "token", token), nil, http.StatusTooManyRequests, "too many connections from this address")
	wantRefused(t, tr, query("o", "a", "token", token), forwardedFor("192.0.2.44"), http.StatusServiceUnavailable, "too many connections")
}
