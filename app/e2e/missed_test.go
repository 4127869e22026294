//go:build !js

package e2e

import (
	"fmt"
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

	before := "Before the tunnel"
	alice.send(before)
	bob.waitMessages(waitTimeout, []string{before})
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
	bob.waitMessages(reconnectTimeout, append([]string{before}, missed...))

	assertExactlyOnceAfterBarrier(t, alice, bob, append([]string{before}, missed...), "Welcome back")
	if n := len(bob.Messages()); n != 7 {
		t.Errorf("Bob sees %d messages, want 7\n%s", n, bob.dump())
	}
	var gaps int
	bob.eval(`document.querySelectorAll('#messages li.gap').length`, &gaps)
	if gaps != 0 {
		t.Errorf("Bob sees a \"messages may be missing\" divider although the relay kept every message\n%s", bob.dump())
	}

	// The reconnect asked for what was missed, not for everything.
	handshakes := bobLink.Handshakes()[handshakesBefore:]
	if len(handshakes) == 0 {
		t.Fatal("Bob's page reconnected without a handshake through his link")
	}
	last := handshakes[len(handshakes)-1]
	if !strings.Contains(last, "since=") || strings.Contains(last, "since=0&") || strings.HasSuffix(strings.Fields(last)[1], "since=0") {
		t.Errorf("Bob's reconnect handshake %q does not ask for since=<last seen seq>", last)
	}
}
