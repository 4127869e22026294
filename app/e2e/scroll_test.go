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
				scroller.scrollTop = -scroller.scrollHeight; // the top: the list is a reversed column
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
			const scroller = document.querySelector('#scroller');
			scroller.scrollTop = -scroller.scrollHeight;
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

// At its bottom the list follows new messages by itself, without asking the
// browser where the scroller is: reading scrollHeight or scrollTop inside
// Go's render makes the browser lay the page out in the middle of it, the
// largest part of each render in a flood (BENCHMARKS.md, "The flood's
// slowest keypress"). A person a little above the bottom (less than
// stickDistance, 96 px) is brought back to it by the next message.
func TestScroll_FollowsTheNewestWithoutAskingForLayout(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t, "-rate", "100000", "-burst", "100000")
	room := "e2e-follow"
	sender := dialRelay(t, relay, room, "follow-sender")
	const before = 40
	for i := 1; i <= before; i++ {
		sender.pub(t, fmt.Sprintf("b%d", i), "Ada", fmt.Sprintf("line %d", i))
	}
	bob := newPerson(t, "Bob")
	bob.open(roomURL(relay.URL(), room, ""))
	bob.waitOnline()
	bob.waitText(waitTimeout, "#messages li.msg:last-of-type .text", fmt.Sprintf("line %d", before))

	// Count what asks the scroller for its layout from now on.
	bob.eval(`(() => {
		window.__scrollerReads = [];
		for (const name of ['scrollTop', 'scrollHeight', 'clientHeight']) {
			const d = Object.getOwnPropertyDescriptor(Element.prototype, name);
			Object.defineProperty(Element.prototype, name, {
				configurable: true,
				get() { if (this.id === 'scroller') window.__scrollerReads.push(name); return d.get.call(this); },
				set: d.set,
			});
		}
		return true;
	})()`, nil)
	newestInSight := `(last) => {
		const rows = document.querySelectorAll('#messages li.msg');
		const row = rows[rows.length - 1];
		if (!row || row.querySelector('.text').textContent.trim() !== last) return false;
		const s = document.querySelector('#scroller').getBoundingClientRect();
		const r = row.getBoundingClientRect();
		return r.top >= s.top && r.bottom <= s.bottom + 1;
	}`
	const more = 20
	for i := 1; i <= more; i++ {
		sender.pub(t, fmt.Sprintf("m%d", i), "Ada", fmt.Sprintf("more %d", i))
	}
	bob.poll("the newest message in sight", waitTimeout, newestInSight, fmt.Sprintf("more %d", more))
	var reads []string
	bob.eval(`window.__scrollerReads`, &reads)
	if len(reads) > 0 {
		t.Errorf("following %d new messages read the scroller's layout %d times: %v", more, len(reads), reads)
	}

	// A little above the bottom: the next message brings Bob back to it.
	bob.eval(`document.querySelector('#scroller').scrollTop = -40`, nil)
	// After a frame, whose scroll event the list has seen.
	bob.eval(`new Promise((done) => requestAnimationFrame(() => setTimeout(() => done(true))))`, nil)
	sender.pub(t, "n1", "Ada", "next")
	bob.poll("the next message in sight", waitTimeout, newestInSight, "next")
}
