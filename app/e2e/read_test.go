//go:build !js

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Bob reads older lines while Alice posts: his list stays where it is, shows
// "New messages" above her first new line and "Jump to latest, 2 new";
// pressing it (Enter) brings him to the bottom, which reads them, and Alice
// sees "Seen by 1" under her last message (a read signal through the relay).
// With his read receipts switched off, she no longer does.
func TestRead_DividerJumpToLatestAndSeenBy(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t, "-rate", "1000", "-burst", "1000")
	room := "e2e-read"
	const filler = 40
	sender := dialRelay(t, relay, room, "read-filler")
	for i := 1; i <= filler; i++ {
		sender.pub(t, fmt.Sprintf("f%d", i), "Ada", fmt.Sprintf("older line %d", i))
	}
	sender.close()

	alice, bob := newPerson(t, "Alice"), newPerson(t, "Bob")
	alice.open(roomURL(relay.URL(), room, ""))
	alice.waitOnline()
	alice.setNick("Alice")
	bob.open(roomURL(relay.URL(), room, ""))
	bob.waitOnline()
	bob.setNick("Bob")
	bob.waitMessages(waitTimeout, []string{fmt.Sprintf("older line %d", filler)})
	alice.waitText(waitTimeout, "#presence", "Bob")

	// Bob scrolls up to read older lines: the button shows, with no count.
	bob.poll("Jump to latest after scrolling up", waitTimeout, `() => {
		const s = document.querySelector('#scroller');
		s.scrollTop = -s.scrollHeight; // the top: the list is a reversed column, 0 at its bottom
		const b = document.querySelector('#jump-latest');
		return b && b.textContent.trim() === 'Jump to latest';
	}`)

	alice.send("news 1")
	alice.send("news 2")
	alice.waitMessages(waitTimeout, []string{"news 1", "news 2"}, "delivered")
	bob.poll(`"Jump to latest, 2 new" and the divider above "news 1"`, waitTimeout, `() => {
		const b = document.querySelector('#jump-latest');
		const d = document.querySelector('#messages .new-divider');
		const next = d && d.nextElementSibling;
		return b && b.textContent.trim() === 'Jump to latest, 2 new' &&
			next && next.querySelector('.text') && next.querySelector('.text').textContent.trim() === 'news 1';
	}`)
	var stayed bool
	bob.eval(`(() => {
		const s = document.querySelector('#scroller').getBoundingClientRect();
		const texts = Array.from(document.querySelectorAll('#messages li.msg .text'));
		const news = texts.find(e => e.textContent.trim() === 'news 2');
		return news.getBoundingClientRect().top > s.bottom;
	})()`, &stayed)
	if !stayed {
		t.Errorf("Bob's list followed Alice's messages while he read older ones")
	}
	alice.never("Seen by before Bob reads", 1500*time.Millisecond, `() => !!document.querySelector('.seen-by')`)

	// The keyboard presses the button as a click does.
	bob.do("focus #jump-latest", chromedp.Focus(chromedp.CSS("#jump-latest")))
	bob.do("press Enter on #jump-latest", pressEnter)
	bob.poll("the bottom, without the button", waitTimeout, `() => {
		const s = document.querySelector('#scroller');
		return !document.querySelector('#jump-latest') && -s.scrollTop < 96;
	}`)

	alice.poll(`"Seen by 1" under "news 2" only`, waitTimeout, `() => {
		const seen = Array.from(document.querySelectorAll('#messages li.msg .seen-by'));
		if (seen.length !== 1) return false;
		const li = seen[0].closest('li.msg');
		return li.querySelector('.text').textContent.trim() === 'news 2' && seen[0].textContent.includes('Seen by 1');
	}`)
	// Read, the divider stays where the new lines started until Bob sends.
	bob.waitText(waitTimeout, "#messages .new-divider", "New messages")
	bob.send("seen")
	bob.poll("the divider to go once Bob sent", waitTimeout, `() => !document.querySelector('#messages .new-divider')`)

	// Bob turns read receipts off with their switch (a checkbox drawn as one): he reads Alice's next
	// message and she sees no "Seen by" under it.
	// It is drawn as the switches beside it (a native checkbox was 13 px).
	bob.poll("the read receipts' checkbox drawn as a switch", waitTimeout, `() => {
		const box = document.querySelector('#read-receipts').getBoundingClientRect();
		const toggle = document.querySelector('#notify-toggle').getBoundingClientRect();
		return box.width === toggle.width && box.height === toggle.height;
	}`)
	bob.do("switch read receipts off", chromedp.Click(chromedp.CSS("#read-receipts")))
	bob.poll("the switch off", waitTimeout, `() => !document.querySelector("#read-receipts").checked`)
	alice.send("news 3")
	bob.waitMessages(waitTimeout, []string{"news 3"})
	alice.never(`"Seen by" under "news 3" with Bob's receipts off`, 1500*time.Millisecond, `() => {
		const seen = document.querySelector('#messages li.msg .seen-by');
		return seen && seen.closest('li.msg').querySelector('.text').textContent.trim() === 'news 3';
	}`)
}
