//go:build !js

package e2e

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// Scenario 5. Bob's connection is cut (his link drops every socket and refuses
// new ones) while Alice sends five messages. When his network returns, Bob's
// client reconnects with since=<last seq> and shows all five, in order,
// exactly once, with no "messages may be missing" divider: the relay still
// had them.
func TestMissedMessages_RecoveredAfterCut(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-missed"

	alice, bob := newPerson(t, "Alice"), newPerson(t, "Bob")
	bobLink := newLink(t, relay.addr)
	alice.open(roomURL(relay.URL(), room, ""))
	alice.waitOnline()
	alice.setNick("Alice")
	bob.open(roomURL(bobLink.URL(), room, ""))
	bob.waitOnline()
	bob.setNick("Bob")

	// Three messages before the cut: the relay numbers them seq 1..3, so Bob's
	// resume point is known without reading his storage.
	before := []string{"Before the tunnel 1/3", "Before the tunnel 2/3", "Before the tunnel 3/3"}
	for _, text := range before {
		alice.send(text)
	}
	bob.waitMessages(waitTimeout, before)
	handshakesBefore := len(bobLink.Handshakes())

	bobLink.Cut()
	bob.waitState(waitTimeout, notOnline...) // the cut is real: Bob's page noticed it

	var missed []string
	for i := 1; i <= 5; i++ {
		missed = append(missed, fmt.Sprintf("While you were in the tunnel %d/5", i))
	}
	for _, text := range missed {
		alice.send(text)
	}
	alice.waitMessages(waitTimeout, missed, "delivered")
	if got := bob.Messages(); count(got, missed[0]) != 0 {
		t.Fatalf("Bob sees %q although his link is cut: the cut did not cut\n%s", missed[0], bob.dump())
	}

	bobLink.Restore()
	bob.waitState(reconnectTimeout, "online")
	everything := append(append([]string(nil), before...), missed...)
	bob.waitMessages(reconnectTimeout, everything)

	assertExactlyOnceAfterBarrier(t, alice, bob, everything, "Welcome back")
	relay.assertPublished(len(everything) + 1)
	if n, want := len(bob.Messages()), len(everything)+1; n != want {
		t.Errorf("Bob sees %d messages, want %d\n%s", n, want, bob.dump())
	}
	var gaps int
	bob.eval(`document.querySelectorAll('#messages li.gap').length`, &gaps)
	if gaps != 0 {
		t.Errorf("Bob sees a \"messages may be missing\" divider although the relay kept every message\n%s", bob.dump())
	}

	// The reconnect asked for what was missed, not for the whole window.
	assertResumedFrom(t, "Bob", bobLink.Handshakes()[handshakesBefore:], uint64(len(before)))
}

// assertResumedFrom checks that every reconnect handshake asks for what was
// missed, not for the whole window: since= is lastSeen, the last seq the
// person saw, or one less when the client asks for one message of overlap to
// detect a restarted relay.
func assertResumedFrom(t *testing.T, who string, handshakes []string, lastSeen uint64) {
	t.Helper()
	if len(handshakes) == 0 {
		t.Fatalf("%s's page reconnected without a handshake through the link", who)
	}
	for _, line := range handshakes {
		since, err := handshakeSince(line)
		if err != nil {
			t.Errorf("%s's reconnect handshake %q: %v", who, line, err)
			continue
		}
		if since+1 < lastSeen || since > lastSeen {
			t.Errorf("%s's reconnect handshake %q asks for since=%d, want %d (or %d for overlap) after seeing seq 1..%d",
				who, line, since, lastSeen, lastSeen-1, lastSeen)
		}
	}
}

// handshakeSince reads since= from a handshake request line
// ("GET /ws?room=…&since=N HTTP/1.1").
func handshakeSince(requestLine string) (uint64, error) {
	fields := strings.Fields(requestLine)
	if len(fields) < 2 {
		return 0, fmt.Errorf("not a request line")
	}
	u, err := url.Parse(fields[1])
	if err != nil {
		return 0, fmt.Errorf("request target: %w", err)
	}
	raw := u.Query().Get("since")
	if raw == "" {
		return 0, fmt.Errorf("no since= parameter")
	}
	since, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("since=%q: %w", raw, err)
	}
	return since, nil
}
