package relay

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestProxyPolicy_ClientAddr: the rules of the client address, case by
// case (the socket tests in address_limits_test.go show them at work).
func TestProxyPolicy_ClientAddr(t *testing.T) {
	trusted, err := parseTrustedProxies([]string{"127.0.0.0/8", "::1", "10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	p := proxyPolicy{trusted: trusted}
	for _, tc := range []struct {
		remote string
		header http.Header
		want   string // "" when the limits cannot apply
	}{
		{"192.0.2.1:5000", http.Header{"X-Forwarded-For": {"203.0.113.1"}}, "192.0.2.1"}, // untrusted peer: header ignored
		{"127.0.0.1:5000", nil, "127.0.0.1"},
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {"203.0.113.1"}}, "203.0.113.1"},
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {"6.6.6.6, 203.0.113.1, 10.1.2.3"}}, "203.0.113.1"}, // two proxies
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {"6.6.6.6", "203.0.113.1"}}, "203.0.113.1"},         // two header lines
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {"10.0.0.7, 127.0.0.1"}}, "10.0.0.7"},               // all trusted: leftmost
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {"garbage"}}, "127.0.0.1"},
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {"::ffff:203.0.113.1"}}, "203.0.113.1"},
		{"[::1]:5000", http.Header{"Forwarded": {`for="[2001:db8::1]:80";proto=https`}}, "2001:db8::1"},
		{"[::1]:5000", http.Header{"Forwarded": {"for=unknown"}}, "::1"},
		{"[::1]:5000", http.Header{"Forwarded": {"for=203.0.113.9"}, "X-Forwarded-For": {"198.51.100.1"}}, "198.51.100.1"}, // XFF wins
		{"@", nil, ""}, // a Unix socket
	} {
		r := &http.Request{RemoteAddr: tc.remote, Header: tc.header}
		if r.Header == nil {
			r.Header = http.Header{}
		}
		got, ok := p.clientAddr(r)
		if (tc.want == "") != !ok || (ok && got != netip.MustParseAddr(tc.want)) {
			t.Errorf("%s %v: %v %v, want %q", tc.remote, tc.header, got, ok, tc.want)
		}
	}
}

func TestConfig_Validate_EdgeFields(t *testing.T) {
	err := Config{
		TrustedProxies:    []string{"10.0.0.0/8", "not-a-cidr"},
		HandshakeBurst:    -1,
		ReadHeaderTimeout: -time.Second,
		HTTPWriteTimeout:  -time.Second,
	}.Validate()
	for _, want := range []string{`trusted proxy "not-a-cidr"`, "handshake burst", "read header timeout", "http write timeout"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v, want it to name %s", err, want)
		}
	}
	if err := (Config{MaxConnsPerIP: Unlimited, HandshakesPerIP: Unlimited, TrustedProxies: []string{}}).Validate(); err != nil {
		t.Errorf("unlimited, no proxies: %v", err)
	}
}
