package relay

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

func TestServer_Handshake_Rejections(t *testing.T) {
	const secret = "handshake-secret"
	tr := startRelay(t, Config{Secret: secret, MaxConns: 1, Origins: []string{"app.example.com"}})
	valid, err := IssueToken(secret, "room", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	occupant := tr.dial(t, query("room", "occupant", "token", valid))
	occupant.expect(wire.TypeWelcome)
	// The per-address limits and -max-rooms each on a relay of their own,
	// filled up to the bound.
	perAddr := startRelay(t, Config{MaxConnsPerIP: 1, HandshakesPerIP: Unlimited})
	perAddr.dial(t, query("room", "occupant")).expect(wire.TypeWelcome)
	rate := startRelay(t, Config{HandshakesPerIP: 0.001, HandshakeBurst: 1})
	if status, _, _ := plainGet(t, rate, query("room", "a"), ""); status != http.StatusUpgradeRequired {
		t.Fatalf("first request of the burst = %d, want 426", status)
	}
	rooms := startRelay(t, Config{MaxRooms: 1})
	rooms.dial(t, query("room", "occupant")).expect(wire.TypeWelcome)

	for _, tc := range []struct {
		name       string
		relay      *testRelay // nil: tr
		query      string
		origin     string
		wantStatus int
		// wantBody is the whole body, or the part before ": " and a detail
		// where PROTOCOL.md documents "reason: …".
		wantBody string
	}{
		{"missing room", nil, "cid=a", "", 400, "invalid room"},
		{"bad room", nil, query("no spaces", "a"), "", 400, "invalid room"},
		{"room too long", nil, query(strings.Repeat("r", 65), "a"), "", 400, "invalid room"},
		{"missing cid", nil, "room=room", "", 400, "invalid cid"},
		{"dot in cid", nil, query("room", "a.b"), "", 400, "invalid cid"},
		{"bad since", nil, query("room", "a", "since", "-1"), "", 400, "invalid since"},
		{"empty epoch", nil, query("room", "a", "since", "1", "epoch", ""), "", 400, "invalid epoch"},
		{"epoch too long", nil, query("room", "a", "since", "1", "epoch", strings.Repeat("e", 65)), "", 400, "invalid epoch"},
		{"dot in epoch", nil, query("room", "a", "since", "1", "epoch", "a.b"), "", 400, "invalid epoch"},
		{"400 before 403", nil, query("bad room", "a"), "https://evil.example", 400, "invalid room"},
		{"foreign origin", nil, query("room", "a", "token", valid), "https://evil.example", 403, "origin not allowed"},
		{"403 before 401", nil, query("room", "a"), "https://evil.example", 403, "origin not allowed"},
		{"missing token", nil, query("room", "a"), "", 401, "missing token"},
		{"401 before 503", nil, query("room", "a"), "https://app.example.com", 401, "missing token"},
		{"over max-conns", nil, query("room", "a", "token", valid), "https://app.example.com", 503, "too many connections"},
		{"over max-conns-per-ip", perAddr, query("room", "a"), "", 429, "too many connections from this address"},
		{"over handshakes-per-ip", rate, query("room", "a"), "", 429, "too many handshakes"},
		{"429 before 400", rate, query("bad room", "a"), "", 429, "too many handshakes"},
		{"over max-rooms", rooms, query("another", "a"), "", 503, "too many rooms"},
		{"held room never refused", rooms, query("room", "a"), "", 426, "upgrade required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			relay := tc.relay
			if relay == nil {
				relay = tr
			}
			header := http.Header{}
			if tc.origin != "" {
				header.Set("Origin", tc.origin)
			}
			if tc.wantStatus != http.StatusUpgradeRequired {
				_, resp, err := relay.dialRaw(tc.query, header)
				if err == nil {
					t.Fatal("handshake succeeded")
				}
				if resp == nil || resp.StatusCode != tc.wantStatus {
					t.Fatalf("response %+v, want status %d", resp, tc.wantStatus)
				}
				if tc.wantStatus == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "1" {
					t.Errorf("429 with Retry-After %q, want 1", resp.Header.Get("Retry-After"))
				}
			}

			// The handshake diagnosis: the same URL without upgrade headers
			// answers the same status and body.
			status, body, _ := plainGet(t, relay, tc.query, tc.origin)
			body = strings.TrimSuffix(body, "\n")
			if status != tc.wantStatus || (body != tc.wantBody && !strings.HasPrefix(body, tc.wantBody+": ")) {
				t.Fatalf("diagnosis = %d %q, want %d %q", status, body, tc.wantStatus, tc.wantBody)
			}
		})
	}
	for reason, want := range map[string]string{"bad_request": "10", "origin": "2", "token": "2", "capacity": "1"} {
		if got := metricValue(t, tr, `relay_rejected_total{reason="`+reason+`"}`); got != want {
			t.Errorf("rejected %s = %s, want %s", reason, got, want)
		}
	}
	for _, c := range []struct {
		relay         *testRelay
		reason, count string
	}{{perAddr, "address_conns", "1"}, {rate, "handshake_rate", "2"}, {rooms, "rooms", "1"}} {
		if got := metricValue(t, c.relay, `relay_rejected_total{reason="`+c.reason+`"}`); got != c.count {
			t.Errorf("rejected %s = %s, want %s", c.reason, got, c.count)
		}
	}
}

func TestServer_Handshake_Diagnosis(t *testing.T) {
	tr := startRelay(t, Config{Origins: []string{"*.example.com"}})

	status, body, h := plainGet(t, tr, query("room", "a"), "https://app.example.com")
	if status != http.StatusUpgradeRequired || !strings.Contains(body, "upgrade required") {
		t.Fatalf("diagnosis of a good request = %d %q, want 426", status, body)
	}
	if h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || !strings.Contains(h.Get("Vary"), "Origin") {
		t.Fatalf("CORS headers = %v", h)
	}
	if h.Get("Upgrade") != "websocket" {
		t.Fatalf("426 without Upgrade header: %v", h)
	}
	// A refused origin may read its 403, to stop retrying.
	status, _, h = plainGet(t, tr, query("room", "a"), "https://evil.test")
	if status != http.StatusForbidden || h.Get("Access-Control-Allow-Origin") != "https://evil.test" {
		t.Fatalf("refused origin: %d %v", status, h)
	}
	// A refused origin cannot read other answers.
	status, _, h = plainGet(t, tr, query("bad room", "a"), "https://evil.test")
	if status != http.StatusBadRequest || h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("refused origin, bad room: %d %v", status, h)
	}
	// No Origin, no CORS header.
	status, _, h = plainGet(t, tr, query("room", "a"), "")
	if status != http.StatusUpgradeRequired || h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("no origin: %d %v", status, h)
	}
}

func TestServer_Handshake_SubprotocolAndOrigins(t *testing.T) {
	tr := startRelay(t, Config{Origins: []string{"*.example.com", "http://localhost:*"}})
	for _, tc := range []struct {
		origin string
		ok     bool
	}{
		{"", true},          // not a browser
		{tr.http.URL, true}, // same host as the request
		{"https://app.example.com", true},
		{"https://APP.Example.com", true},
		{"https://example.com", false},
		{"http://localhost:3000", true},
		{"https://localhost:3000", false}, // the pattern names the scheme
		{"null", false},
	} {
		header := http.Header{}
		if tc.origin != "" {
			header.Set("Origin", tc.origin)
		}
		conn, resp, err := tr.dialRaw(query("o", "c"), header)
		if tc.ok {
			if err != nil {
				t.Fatalf("origin %q refused: %v", tc.origin, err)
			}
			if conn.Subprotocol() != wire.Subprotocol {
				t.Fatalf("subprotocol %q, want %q", conn.Subprotocol(), wire.Subprotocol)
			}
			newTestClient(t, conn).leave()
			continue
		}
		if err == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("origin %q: err=%v resp=%v, want 403", tc.origin, err, resp)
		}
	}
}

// TestServer_Handshake_WithoutSubprotocol: clients that do not offer chat.v1
// are still served the same contract.
func TestServer_Handshake_WithoutSubprotocol(t *testing.T) {
	tr := startRelay(t, Config{})
	conn, _, err := websocket.Dial(t.Context(), tr.wsURL(query("p", "c")), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, conn)
	c.expect(wire.TypeWelcome)
}

// plainGet sends GET /ws?query without upgrade headers.
func plainGet(t *testing.T, tr *testRelay, query, origin string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, tr.http.URL+"/ws?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}
