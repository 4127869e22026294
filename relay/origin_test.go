package relay

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// TestServer_Origin_DefaultConfigRefusesForeignOrigins: without -origins
// only the relay's own host may connect from a browser; any other site is
// refused with 403 before the upgrade, so a page elsewhere cannot ride on a
// visitor's browser into a room.
func TestServer_Origin_DefaultConfigRefusesForeignOrigins(t *testing.T) {
	tr := startRelay(t, Config{})
	self, err := url.Parse(tr.http.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, origin := range []string{
		"https://evil.example",
		"http://" + self.Hostname() + ":1", // same machine, another port: another origin
		"http://localhost:" + self.Port(),  // another name for the same address is another origin
		"null",                             // sandboxed frames and file: pages
	} {
		header := http.Header{"Origin": {origin}}
		conn, resp, err := tr.dialRaw(query("room", "a"), header)
		if err == nil {
			_ = conn.CloseNow()
		}
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q with the default config: err=%v resp=%v, want 403", origin, err, resp)
		}
	}
	conn, _, err := tr.dialRaw(query("room", "a"), http.Header{"Origin": {tr.http.URL}})
	if err != nil {
		t.Fatalf("the relay's own origin refused: %v", err)
	}
	newTestClient(t, conn).expect(wire.TypeWelcome)
}

// TestServer_Origin_SameHostOtherSchemeAllowed: the own-host rule compares
// host[:port] only (PROTOCOL.md, Origins): behind a proxy that terminates TLS
// the page is https while the relay itself is reached over http.
func TestServer_Origin_SameHostOtherSchemeAllowed(t *testing.T) {
	tr := startRelay(t, Config{})
	self, err := url.Parse(tr.http.URL)
	if err != nil {
		t.Fatal(err)
	}
	origin := "https://" + self.Host
	conn, resp, err := tr.dialRaw(query("room", "a"), http.Header{"Origin": {origin}})
	if err != nil {
		t.Fatalf("origin %q on a relay at %s: err=%v resp=%v, want the upgrade", origin, tr.http.URL, err, resp)
	}
	newTestClient(t, conn).expect(wire.TypeWelcome)
}
