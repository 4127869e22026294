//go:build !js

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// bigMessageBytes is the size of the message the composer must refuse: well
// over the relay's default -max-message (64 KiB), which would close the
// connection with 1009 if it were sent.
const bigMessageBytes = 100 << 10

// Scenario 8. Alice sends markup and javascript: links: Bob's page shows them
// as the text she typed — no image element, no javascript: link, no dialog, no
// navigation, even when Bob clicks them — while a real https link is a link.
// Then Alice pastes 100 KB: the composer refuses it with a visible message, her
// connection stays up, and Bob never receives it.
func TestHostileInput_RendersInertAndRefusesOversize(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-hostile"

	alice, bob := newPerson(t, "Alice"), newPerson(t, "Bob")
	joinRoom(t, relay.URL(), room, alice, bob)
	var bobURL string
	bob.eval(`location.href`, &bobURL)

	hostile := []string{
		`<img src=x onerror=alert(1)>`,
		`[x](javascript:alert(1))`,
		`javascript:alert(1)`,
		`<a href="javascript:alert(2)">click me</a><script>alert(3)</script>`,
	}
	for _, text := range hostile {
		alice.send(text)
	}
	safe := "Docs at https://example.com/docs?a=1&b=2 are fine"
	alice.send(safe)
	all := append(append([]string(nil), hostile...), safe)
	bob.waitMessages(waitTimeout, all)
	alice.waitMessages(waitTimeout, all, "delivered")

	for _, p := range []*person{alice, bob} {
		var found struct {
			Imgs, Scripts, JSLinks, Iframes int
		}
		p.eval(`(() => {
			const m = document.querySelector('#messages');
			return {
				Imgs: m.querySelectorAll('img').length,
				Scripts: m.querySelectorAll('script').length,
				JSLinks: Array.from(m.querySelectorAll('[href],[src],[action],[formaction]')).filter(e =>
					['href','src','action','formaction'].some(a => (e.getAttribute(a) || '').trim().toLowerCase().startsWith('javascript:'))).length,
				Iframes: m.querySelectorAll('iframe,object,embed').length,
			};
		})()`, &found)
		if found.Imgs+found.Scripts+found.JSLinks+found.Iframes != 0 {
			t.Errorf("%s's message list contains live markup: %+v\n%s", p.name, found, p.dump())
		}
	}

	// Bob clicks each hostile message, where a link would be.
	for _, msg := range bob.Messages() {
		if !isOneOf(msg.Text, hostile) {
			continue
		}
		sel := fmt.Sprintf(`#messages li.msg[data-key=%q] .text`, msg.Key)
		bob.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
	}
	var links []struct{ Href, Text string }
	bob.eval(`Array.from(document.querySelectorAll('#messages li.msg .text a')).map(a => ({Href: a.getAttribute('href'), Text: a.textContent}))`, &links)
	if len(links) != 1 || links[0].Href != "https://example.com/docs?a=1&b=2" {
		t.Errorf("Bob's page shows the links %+v, want exactly one, to https://example.com/docs?a=1&b=2", links)
	}

	// A full round trip after the clicks: a dialog or navigation they caused
	// has happened by then.
	alice.send("Nothing happened, right?")
	bob.waitMessages(waitTimeout, []string{"Nothing happened, right?"})
	for _, p := range []*person{alice, bob} {
		if d := p.Dialogs(); len(d) > 0 {
			t.Errorf("%s's page opened JavaScript dialogs: %v", p.name, d)
		}
	}
	var url string
	bob.eval(`location.href`, &url)
	if url != bobURL {
		t.Errorf("Bob's page navigated from %s to %s", bobURL, url)
	}
	for _, text := range hostile {
		if got, _ := find(bob.Messages(), text); got.Text != text {
			t.Errorf("Bob sees %q, want the exact text %q", got.Text, text)
		}
	}

	// 100 KB pasted into the composer.
	big := strings.Repeat("All work and no play makes Jack a dull boy. ", bigMessageBytes/44+1)[:bigMessageBytes]
	alice.paste(big)
	alice.do("click #send", chromedp.Click(chromedp.CSS("#send")))
	alice.poll("a visible refusal in #composer-error", waitTimeout,
		`() => {
			const e = document.querySelector('#composer-error');
			if (!e || !e.textContent.trim()) return false;
			const r = e.getBoundingClientRect();
			return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden' && e.textContent.trim();
		}`)
	var refusal string
	alice.eval(`document.querySelector('#composer-error').textContent.trim()`, &refusal)
	t.Logf("Alice's composer says: %q", refusal)
	if state := alice.State(); state != "online" {
		t.Errorf("Alice's connection is %q after the refused message, want online (the relay closes oversize frames with 1009)", state)
	}

	// Alice clears the composer and goes on; Bob gets that, never the 100 KB.
	alice.do("clear #composer", chromedp.Focus(chromedp.CSS("#composer")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#composer').select()`),
		chromedp.SendKeys(chromedp.CSS("#composer"), "\b"))
	after := "Sorry, that was too long."
	alice.send(after)
	bob.waitMessages(waitTimeout, []string{after})
	alice.waitMessages(waitTimeout, []string{after}, "delivered")
	for _, p := range []*person{alice, bob} {
		for _, m := range p.Messages() {
			if len(m.Text) > 1000 {
				t.Errorf("%s's list holds a %d-byte message (status %q): the 100 KB message was not refused", p.name, len(m.Text), m.Status)
			}
		}
	}
}

// paste inserts text into the composer at once, as pasting does (typing 100 KB
// key by key would take minutes).
func (p *person) paste(text string) {
	p.t.Helper()
	p.do("paste into #composer", chromedp.Focus(chromedp.CSS("#composer")),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
			return err
		}))
	p.poll("the pasted text in #composer", waitTimeout,
		`(n) => document.querySelector('#composer').value.length === n`, len(text))
}

func isOneOf(s string, list []string) bool {
	for _, item := range list {
		if s == item {
			return true
		}
	}
	return false
}
