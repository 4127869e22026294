//go:build !js

package e2e

import (
	"testing"
)

// pressShiftTab presses and releases Shift+Tab, as a keyboard does.
var pressShiftTab = pressNamedKeyWith("Tab", 9, 8) // 8: Shift

// The message list is one stop for Tab (app/appjs_row_focus.go): Tab from
// before it reaches the newest row, then its actions, then the composer;
// Shift+Tab comes back to that row and leaves the list from it; the arrows,
// Home and End move between rows. Before, Tab stopped at every row and at
// each of its four actions: 60 stops for these twelve messages.
func TestKeyboard_MessageListIsOneTabStop(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	alice := newPerson(t, "Alice")
	alice.open(roomURL(relay.URL(), "e2e-keyboard", ""))
	alice.waitOnline()
	// More than the screen holds: at the top, "Jump to latest" shows.
	texts := []string{"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}
	for _, text := range texts {
		alice.send(text)
	}
	alice.waitMessages(waitTimeout, texts, "delivered")

	// The stop before the list, found as Tab would: the last focusable
	// element before #messages in the document.
	const before = `(() => [...document.querySelectorAll('a[href], button, input, textarea, [tabindex]')].filter((e) =>
		e.tabIndex >= 0 && !e.disabled && e.getClientRects().length &&
		(e.compareDocumentPosition(document.querySelector('#messages')) & Node.DOCUMENT_POSITION_FOLLOWING)).pop())()`
	var beforeID string
	alice.eval(`(() => { const e = `+before+`; e.setAttribute('data-before-list', ''); e.focus(); return e.id || e.className; })()`, &beforeID)
	t.Logf("the stop before the list: %s", beforeID)

	focusedRow := func(want string) {
		t.Helper()
		alice.poll("the focus on the row "+want, waitTimeout, `(text) => {
			const e = document.activeElement;
			return e.matches('#messages li.msg') && e.querySelector('.text').textContent === text;
		}`, want)
	}
	alice.do("press Tab", pressTab)
	focusedRow("twelve")
	for _, action := range []string{".act-reply", ".act-react", ".act-edit", ".act-delete"} {
		alice.do("press Tab", pressTab)
		alice.focused("the newest row's "+action, "#messages li.msg:last-of-type "+action)
	}
	alice.do("press Tab", pressTab)
	alice.focused("the composer after the newest row's actions", "#composer")

	alice.do("press Shift+Tab", pressShiftTab)
	focusedRow("twelve")
	alice.do("press ArrowUp", pressNamedKey("ArrowUp", 38))
	focusedRow("eleven")
	alice.do("press ArrowUp", pressNamedKey("ArrowUp", 38))
	focusedRow("ten")
	alice.do("press Home", pressNamedKey("Home", 36))
	focusedRow("one")
	// The list scrolled up to it: "Jump to latest" comes (after a render).
	alice.poll("Jump to latest once scrolled up", waitTimeout, `() => !!document.querySelector('#jump-latest')`)
	alice.do("press ArrowDown", pressNamedKey("ArrowDown", 40))
	focusedRow("two")

	// Tab leaves from the row last focused, through its own actions only;
	// coming back lands on it again. Scrolled up, the list has "Jump to
	// latest" after it: a stop of its own on the way.
	for range 4 {
		alice.do("press Tab", pressTab)
	}
	alice.do("press Tab", pressTab)
	alice.focused("Jump to latest after the row's actions", "#jump-latest")
	alice.do("press Tab", pressTab)
	alice.focused("the composer", "#composer")
	alice.do("press Shift+Tab", pressShiftTab)
	alice.focused("Jump to latest", "#jump-latest")
	alice.do("press Shift+Tab", pressShiftTab)
	focusedRow("two")
	alice.do("press Shift+Tab", pressShiftTab)
	alice.focused("the stop before the list", "[data-before-list]")
	alice.do("press Tab", pressTab)
	focusedRow("two")
	alice.do("press End", pressNamedKey("End", 35))
	focusedRow("twelve")
}
