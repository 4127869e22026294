//go:build !js

package e2e

import (
	"strings"
	"testing"
	"time"
)

// deniedWatch is how long a denied page is watched for a retry. The client's
// backoff starts near 0.5s and doubles, so a retry loop would dial several
// times in this window.
const deniedWatch = 6 * time.Second

// Scenario 9. The relay has a secret. An invite link carrying a token minted by
// `relay token` opens the room and Alice chats in it. Carol opens the same room
// without the token: her page shows "denied" and stays so — her link sees no
// new handshake while she waits, so there is no retry loop.
func TestTokenRooms_InviteOpensAndMissingTokenIsDenied(t *testing.T) {
	requireSuite(t)
	const secret = "e2e-secret-that-is-long-enough-for-hs256"
	relay := startRelay(t, "-secret", secret)
	room := "e2e-private"
	token := mintToken(t, secret, room, "Alice")

	alice := newPerson(t, "Alice")
	alice.open(roomURL(relay.URL(), room, token))
	alice.waitOnline()
	hello := "Only invited people can read this."
	alice.send(hello)
	alice.waitMessages(waitTimeout, []string{hello}, "delivered")

	// After a reload, without the token in the address, the stored invite
	// still opens the room.
	alice.open(roomURL(relay.URL(), room, ""))
	alice.waitOnline()

	carol := newPerson(t, "Carol")
	carolLink := newLink(t, relay.addr)
	carol.open(roomURL(carolLink.URL(), room, ""))
	carol.waitState(waitTimeout, "denied")
	carol.checkContrast("denied")
	var label string
	carol.eval(`document.querySelector('#conn-state').textContent.trim()`, &label)
	if !strings.Contains(strings.ToLower(label), "denied") {
		t.Errorf("Carol's connection indicator reads %q; want it to say access is denied", label)
	}
	if n := count(carol.Messages(), hello); n != 0 {
		t.Errorf("Carol, without a token, sees the room's message")
	}

	attempts := len(carolLink.Handshakes())
	carol.never("Carol's page leaving the denied state", deniedWatch,
		`() => { const e = document.querySelector('#conn-state'); return e && e.dataset.state !== 'denied' ? e.dataset.state : null; }`)
	if again := len(carolLink.Handshakes()); again != attempts {
		t.Errorf("Carol's page dialed %d more times in %v after being denied: a retry loop\n%v",
			again-attempts, deniedWatch, carolLink.Handshakes())
	}
	if attempts > 2 {
		t.Errorf("Carol's page dialed %d times before showing denied: %v", attempts, carolLink.Handshakes())
	}
	t.Logf("Carol: %q after %d handshake(s), none during %v", label, attempts, deniedWatch)
}
