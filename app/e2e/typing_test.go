//go:build !js

package e2e

import "testing"

// Alice types without sending: Bob sees "Alice is typing…" (a signal through
// the relay, never stored); her message clears the line on his screen.
func TestTyping_OthersSeeWhoIsTyping(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-typing"
	alice, bob := newPerson(t, "Alice"), newPerson(t, "Bob")
	alice.open(roomURL(relay.URL(), room, ""))
	alice.waitOnline()
	alice.setNick("Alice")
	bob.open(roomURL(relay.URL(), room, ""))
	bob.waitOnline()
	bob.setNick("Bob")
	alice.waitText(waitTimeout, "#presence", "Bob")

	alice.typeText("Hello Bo")
	bob.waitText(waitTimeout, "#typing", "Alice is typing…")

	alice.typeText("b")
	alice.do("press Enter in #composer", pressEnter)
	alice.waitComposerEmpty()
	bob.waitMessages(waitTimeout, []string{"Hello Bob"})
	bob.poll("the typing line to clear once Alice's message arrived", waitTimeout,
		`() => document.querySelector('#typing').textContent === ''`)
}
