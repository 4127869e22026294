//go:build !js

package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Scenario: the relay accepts at most 1 KB per frame (-max-message 1024).
// Alice writes a 2 KB message and a short one before her page has heard from
// the relay (it still assumes the default 64 KiB). Once connected, the long
// one is marked failed with the reason and offers Retry and Delete, the short
// one reaches Carol, and later messages keep flowing; Delete removes it.
func TestFailed_TooLargeForRelayShowsRetryDeleteAndOthersFlow(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t, "-max-message", "1024")
	room := "e2e-failed"

	carol := newPerson(t, "Carol")
	carol.open(roomURL(relay.URL(), room, ""))
	carol.waitOnline()

	alice := newPerson(t, "Alice")
	aliceLink := newLink(t, relay.addr)
	aliceLink.HoldWebSockets()
	alice.open(roomURL(aliceLink.URL(), room, ""))
	// The composer is there once the app runs, disabled until it may send.
	alice.poll("the app to start", waitTimeout, `() => { const c = document.querySelector('#composer'); return !!c && !c.disabled; }`)
	long := strings.Repeat("long words ", 190) // 2 KB
	alice.paste(long)
	alice.do("click #send", chromedp.Click(chromedp.CSS("#send")))
	alice.waitComposerEmpty()
	alice.send("short after the long one")
	aliceLink.ReleaseWebSockets()

	alice.waitOnline()
	alice.waitMessages(waitTimeout, []string{"short after the long one"}, "delivered")
	alice.poll("the long message marked failed with the reason and Retry/Delete", waitTimeout,
		`() => {
			const li = document.querySelector('#messages li.msg[data-status="failed"]');
			if (!li) return false;
			const reason = li.querySelector('.failed-reason');
			return reason && reason.textContent.includes('the limit is 1 KB') &&
				li.querySelector('.failed-retry') && li.querySelector('.failed-delete');
		}`)
	alice.checkContrast("a message the relay refused")
	carol.waitMessages(waitTimeout, []string{"short after the long one"})

	// Retry: still too large for this relay, so it fails again at once and the
	// connection stays up.
	alice.do("click Retry", chromedp.Click(chromedp.CSS("li.msg[data-status=failed] .failed-retry")))
	alice.poll("the long message failed again", waitTimeout,
		`() => document.querySelectorAll('#messages li.msg[data-status="failed"]').length === 1`)
	alice.send("and later")
	carol.waitMessages(waitTimeout, []string{"short after the long one", "and later"})
	// Delivered lines go before failed ones: once "and later" is delivered
	// on Alice's screen the failed line has moved for the last time, and
	// its Delete button is not rebuilt under the click.
	alice.waitMessages(waitTimeout, []string{"and later"}, "delivered")
	if s := alice.State(); s != "online" {
		t.Errorf("Alice's page is %q after the failed message; want online", s)
	}

	alice.do("click Delete", chromedp.Click(chromedp.CSS("li.msg[data-status=failed] .failed-delete")))
	alice.poll("the long message gone", waitTimeout,
		`() => document.querySelectorAll('#messages li.msg[data-status="failed"]').length === 0`)
	for _, m := range carol.Messages() {
		if strings.HasPrefix(m.Text, "long words") {
			t.Errorf("Carol received the message over the relay's limit")
		}
	}
	// Deleted means gone for good: not back after a reload.
	alice.reload()
	alice.waitMessages(waitTimeout, []string{"short after the long one", "and later"})
	if n := len(alice.Messages()); n != 2 {
		t.Errorf("after the reload Alice's page shows %d messages, want the 2 delivered ones", n)
	}
}
