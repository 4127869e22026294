//go:build !js

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// A room opens showing only its newest messages (the first frame is what a
// person waits for); scrolling up shows older ones, without moving what is
// on screen, until the oldest the app keeps is there. Bob reloads so that
// the room opens from his storage all at once, as a switch back does.
func TestScroll_RoomOpensWithItsNewestAndScrollingUpShowsOlder(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t, "-rate", "100000", "-burst", "100000")
	room := "e2e-scroll"
	const total = 120
	sender := dialRelay(t, relay, room, "scroll-sender")
	for i := 1; i <= total; i++ {
		sender.pub(t, fmt.Sprintf("s%d", i), "Ada", fmt.Sprintf("line %d of %d", i, total))
	}

	bob := newPerson(t, "Bob")
	bob.open(roomURL(relay.URL(), room, ""))
	bob.waitOnline()
	newest := fmt.Sprintf("line %d of %d", total, total)
	bob.waitText(waitTimeout, "#messages li.msg:last-of-type .text", newest)
	bob.reload()
	bob.waitText(waitTimeout, "#messages li.msg:last-of-type .text", newest)

	var shown int
	bob.eval(`document.querySelectorAll('#messages li.msg').length`, &shown)
	if shown >= total {
		t.Fatalf("the room opened with all %d messages rendered, not its newest", shown)
	}
	t.Logf("the room opened with %d of %d messages rendered", shown, total)

	// Scroll to the top once: older lines appear above, and the line that
	// was first stays where the person sees it.
	var moved struct {
		Shown int     `json:"shown"`
		Delta float64 `json:"delta"`
	}
	raw := bob.poll("older lines to appear above after scrolling to the top", waitTimeout,
		`async (before) => {
			const scroller = document.querySelector('#scroller');
			const first = document.querySelector('#messages li.msg');
			if (!window.__scrollFirst) {
				// Measured right after scrolling, in the same task: the
				// scroll event, and the older lines it brings, come later.
				// (After them, this node may show another line: go-app
				// reuses rows by position.)
				window.__scrollFirst = first.dataset.key;
				scroller.scrollTop = 0;
				window.__scrollTop = first.getBoundingClientRect().top;
			}
			const n = document.querySelectorAll('#messages li.msg').length;
			if (n <= before) return null;
			const old = document.querySelector('#messages li.msg[data-key="' + window.__scrollFirst + '"]');
			return {shown: n, delta: old.getBoundingClientRect().top - window.__scrollTop};
		}`, shown)
	if err := json.Unmarshal(raw, &moved); err != nil {
		t.Fatal(err)
	}
	if moved.Delta < -20 || moved.Delta > 20 {
		t.Errorf("after older lines were added above, the line that was on top moved %.0f px", moved.Delta)
	}
	t.Logf("scrolling to the top showed %d messages; the line on top moved %.0f px", moved.Shown, moved.Delta)

	// Going on up reaches the first message.
	bob.poll("the first message after scrolling up", waitTimeout,
		`(first) => {
			document.querySelector('#scroller').scrollTop = 0;
			return Array.from(document.querySelectorAll('#messages li.msg .text')).some(e => e.textContent.trim() === first);
		}`, fmt.Sprintf("line 1 of %d", total))

	// The row on top now shows line 1; it first showed a line of the
	// newest few, and its Reply must answer line 1.
	text := bob.replyOnRow(0)
	if text != fmt.Sprintf("line 1 of %d", total) {
		t.Fatalf("the top row shows %q, want line 1", text)
	}
	var mode string
	raw = bob.poll("the composer to reply", waitTimeout, `() => {
		const mode = document.querySelector('.composer-mode');
		return mode && mode.textContent.includes('Replying to') ? mode.textContent : null;
	}`)
	if err := json.Unmarshal(raw, &mode); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(mode, "Replying to Ada: "+text) {
		t.Errorf("Reply on the row showing %q: the composer says %q", text, mode)
	}
}

// go-app reuses rows by position and keeps a row's first click handler
// while the new one has the same code, so once older lines were added above
// every early row shows another line than it did. Its actions must act on
// the line it shows now: Reply on such a row answers that line, not the one
// the row first showed.
func (p *person) replyOnRow(index int) (text string) {
	p.t.Helper()
	p.eval(fmt.Sprintf(`(() => {
		const li = document.querySelectorAll('#messages li.msg')[%d];
		li.querySelector('.act-reply').click();
		return li.querySelector('.text').textContent;
	})()`, index), &text)
	return text
}
