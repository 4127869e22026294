//go:build !js

package e2e

import (
	"fmt"
	"testing"
)

// clickIn clicks the element sel inside the message line with key.
func (p *person) clickIn(key, sel string) {
	p.t.Helper()
	var ok bool
	p.eval(fmt.Sprintf(`(() => { const e = document.querySelector('#messages li.msg[data-key=%q] %s'); if (e) e.click(); return !!e; })()`, key, sel), &ok)
	if !ok {
		p.t.Fatalf("%s: no %s in the line %s\n%s", p.name, sel, key, p.dump())
	}
}

// Issue 13's replies, reactions, edits and deletes in two real browsers:
// Bob replies and reacts with the buttons under Alice's message, Alice edits
// and deletes it, each sees what the other did, and a reload keeps it.
func TestThreads_ReplyReactEditDelete(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-threads"
	alice := newPerson(t, "Alice")
	bob := newPerson(t, "Bob")
	alice.open(roomURL(relay.URL(), room, ""))
	alice.waitOnline()
	alice.setNick("Alice")
	bob.open(roomURL(relay.URL(), room, ""))
	bob.waitOnline()
	bob.setNick("Bob")

	alice.send("lunch?")
	alice.waitMessages(waitTimeout, []string{"lunch?"}, "delivered")
	bob.waitMessages(waitTimeout, []string{"lunch?"}, "delivered")
	lunch, _ := find(bob.Messages(), "lunch?")

	bob.clickIn(lunch.Key, ".act-reply")
	bob.waitText(waitTimeout, ".composer-mode", "Replying to Alice: lunch?")
	bob.send("yes!")
	alice.waitMessages(waitTimeout, []string{"lunch?", "yes!"})
	alice.waitText(waitTimeout, "#messages li.msg .reply-quote", "Alice: lunch?")
	// The actions on Bob's own bubble (the accent) are written in its quiet
	// text colour (its time's), not in the page's dark text.
	// The room's buttons (copy the link, mute, leave) all fit in its panel.
	bob.poll("the room's buttons inside its panel", waitTimeout, `() => {
		const panel = document.querySelector('#room-info').getBoundingClientRect();
		return [...document.querySelectorAll('#room-info button')].every((b) => {
			const r = b.getBoundingClientRect();
			return r.width > 0 && r.left >= panel.left && r.right <= panel.right;
		});
	}`)
	// The room's section and the people below it are apart, as the
	// sidebar's sections are.
	bob.poll("space between the room's section and its people", waitTimeout, `() =>
		document.querySelector('#presence-title').getBoundingClientRect().top -
			document.querySelector('#forget-room').getBoundingClientRect().bottom >= 16`)
	bob.poll("the actions on my bubble in its quiet text colour", waitTimeout, `() => {
		const bubble = document.querySelector('#messages li.msg.mine[data-status="delivered"] .bubble');
		const reply = bubble && bubble.querySelector('.act-reply');
		return !!reply && getComputedStyle(reply).color === getComputedStyle(bubble.querySelector('.meta')).color &&
			getComputedStyle(reply).color !== getComputedStyle(document.body).color;
	}`)

	bob.clickIn(lunch.Key, ".act-react")
	bob.poll("the emoji picker", waitTimeout, `() => !!document.querySelector('#messages .reaction-picker')`)
	bob.clickIn(lunch.Key, `.pick[aria-label="React with 👍"]`)
	alice.waitText(waitTimeout, "#messages li.msg .reaction", "👍 1")
	// My own reaction stands out (the accent), not in the plain border
	// that the dark theme hardly showed.
	bob.poll("my reaction marked", waitTimeout, `() => {
		const mine = document.querySelector('#messages .reaction[aria-pressed="true"]');
		const plain = document.querySelector('#invite-link');
		return !!mine && getComputedStyle(mine).borderTopColor !== getComputedStyle(plain).borderTopColor;
	}`)

	alice.clickIn(lunch.Key, ".act-edit")
	alice.poll("the composer holds the text to edit", waitTimeout, `() => document.querySelector('#composer').value === 'lunch?'`)
	alice.eval(`document.querySelector('#composer').value = ''`, nil)
	alice.send("lunch at 1?")
	bob.waitMessages(waitTimeout, []string{"lunch at 1?", "yes!"})
	bob.waitText(waitTimeout, "#messages li.msg .edited", "edited")

	alice.eval(`window.confirm = () => true`, nil) // the page asks before deleting
	alice.clickIn(lunch.Key, ".act-delete")
	bob.waitText(waitTimeout, "#messages li.msg.deleted .text", "message deleted")
	bob.waitText(waitTimeout, "#messages li.msg .reply-quote", "message deleted")

	bob.reload()
	bob.waitText(waitTimeout, "#messages li.msg.deleted .text", "message deleted")
	bob.waitMessages(waitTimeout, []string{"message deleted", "yes!"})
	for _, m := range bob.Messages() {
		switch m.Text {
		case "deleted a message", "reacted 👍", "lunch?":
			t.Errorf("Bob shows %q as a line\n%s", m.Text, bob.dump())
		}
	}
}
