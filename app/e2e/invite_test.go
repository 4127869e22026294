//go:build !js

package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// Scenario: Alice holds an invite for a private room. A link that carries
// another token for that room (one Mallory posted, say) does not replace
// hers silently: the page asks. "Keep mine" keeps her working token; only
// "Replace" stores the new one, here a token the relay refuses.
func TestInvite_LinkAsksBeforeReplacingStoredToken(t *testing.T) {
	requireSuite(t)
	const secret = "e2e-secret-that-is-long-enough-for-hs256"
	relay := startRelay(t, "-secret", secret)
	room := "e2e-invite"
	mine := mintToken(t, secret, room, "Alice")
	theirs := mintToken(t, "another-secret-that-is-long-enough-for-hs256", room, "Mallory")

	alice := newPerson(t, "Alice")
	alice.open(roomURL(relay.URL(), room, mine))
	alice.waitOnline()

	alice.open(roomURL(relay.URL(), room, theirs))
	alice.waitText(waitTimeout, "#invite-prompt", "Replace the one you have?")
	alice.waitOnline() // meanwhile the room opens with the stored token
	alice.checkContrast("asked before replacing a stored invite")
	alice.do("keep my token", chromedp.Click(chromedp.CSS("#invite-keep")))
	alice.poll("the question to go", waitTimeout, `() => !document.querySelector('#invite-prompt')`)
	alice.open(roomURL(relay.URL(), room, ""))
	alice.waitOnline()

	alice.open(roomURL(relay.URL(), room, theirs))
	alice.waitText(waitTimeout, "#invite-prompt", "Replace the one you have?")
	alice.do("replace my token", chromedp.Click(chromedp.CSS("#invite-replace")))
	alice.waitState(waitTimeout, "denied")
}
