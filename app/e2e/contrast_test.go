//go:build !js

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestLook_TextContrast reads every visible text of the chat in the light
// and the dark theme, on a desktop and on a phone with each drawer open, and
// fails for any below WCAG 2's AA contrast (contrastAuditJS): my bubbles and
// the accent's buttons in the dark theme, a message's actions, names in some
// hues, quotes on my bubble, the offline label and a message not yet sent
// all were.
func TestLook_TextContrast(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-contrast"
	alice, bob := newPerson(t, "Alice"), newPerson(t, "Bob")
	alice.open(roomURL(relay.URL(), room, ""))
	alice.waitOnline()
	alice.setNick("Alice")
	bob.open(roomURL(relay.URL(), room, ""))
	bob.waitOnline()
	// A green name: the hue that read worst in HSL.
	bob.setNick("Bob Green 3")

	const hello = "hello, see https://example.com/a/path"
	alice.send(hello)
	bob.waitMessages(waitTimeout, []string{hello})
	greeting, _ := find(bob.Messages(), hello)
	// Bob replies to it with a mention; Alice reacts to her own message
	// and edits it.
	bob.clickIn(greeting.Key, ".act-reply")
	bob.waitText(waitTimeout, ".composer-mode", "Replying to Alice")
	bob.send("@Alice yes")
	alice.waitText(waitTimeout, "#messages li.msg .reply-quote", "Alice: hello")
	alice.clickIn(greeting.Key, ".act-react")
	alice.poll("the emoji picker", waitTimeout, `() => !!document.querySelector('#messages .reaction-picker')`)
	alice.clickIn(greeting.Key, `.pick[aria-label="React with 👍"]`)
	bob.waitText(waitTimeout, "#messages li.msg .reaction", "👍 1")
	alice.clickIn(greeting.Key, ".act-edit")
	alice.poll("the composer holds the text to edit", waitTimeout, `(text) => document.querySelector('#composer').value === text`, hello)
	alice.eval(`document.querySelector('#composer').value = ''`, nil)
	alice.send(hello + " (fixed)")
	bob.waitText(waitTimeout, "#messages li.msg .edited", "edited")
	alice.send("a slip")
	alice.waitMessages(waitTimeout, []string{"a slip"}, "delivered")
	slip, _ := find(alice.Messages(), "a slip")
	alice.eval(`window.confirm = () => true`, nil) // the page asks before deleting
	alice.clickIn(slip.Key, ".act-delete")
	bob.waitText(waitTimeout, "#messages li.msg.deleted .text", "message deleted")
	alice.send("@Bob Green 3 and a mention of you")
	// Bob types a mention: his list opens, Alice sees him typing.
	bob.do("type a mention", chromedp.Focus(chromedp.CSS("#composer")), chromedp.SendKeys(chromedp.CSS("#composer"), "thanks @A"))
	bob.poll("the mention list", waitTimeout, `() => !document.querySelector('#mention-list').hidden`)
	alice.waitText(waitTimeout, "#typing", "typing")

	alice.checkContrast("desktop")
	bob.checkContrast("desktop, listing people to mention")

	alice.do("a phone's screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	for _, drawer := range []string{"Rooms and settings", "People in this room"} {
		alice.eval(`(() => { document.querySelector('.topbar button[aria-label="`+drawer+`"]').click(); return true })()`, nil)
		alice.poll(drawer+" open", waitTimeout, `() => document.querySelector('.shell').dataset.panel !== ''`)
		alice.checkContrast("phone, " + drawer)
		alice.eval(`(() => { document.querySelector('.topbar button[aria-label="`+drawer+`"]').click(); return true })()`, nil)
		alice.poll(drawer+" closed", waitTimeout, `() => !document.querySelector('.shell').dataset.panel`)
	}
	alice.do("back to the desktop", chromedp.EmulateReset())

	// Offline, with a message not sent yet.
	relay.stop()
	alice.waitState(reconnectTimeout, "offline", "reconnecting")
	alice.send("written while offline")
	alice.waitMessages(waitTimeout, []string{"written while offline"}, "pending")
	alice.checkContrast("offline, a message not sent")
}

// checkContrast reads every visible text of p's page (contrastAuditJS) in
// the light and the dark theme, and fails the test for any below AA. With
// CHAT_SCREENSHOTS set it saves the scene in each theme.
func (p *person) checkContrast(scene string) {
	p.t.Helper()
	t := p.t
	for _, theme := range []string{"light", "dark"} {
		setColorScheme(p, theme)
		var audit struct {
			Checked int
			Fails   []string
		}
		p.eval(contrastAuditJS, &audit)
		// A page read wrong (nothing found) must not pass.
		if audit.Checked < 10 {
			t.Errorf("%s, %s, %s theme: read only %d texts\n%s", p.name, scene, theme, audit.Checked, p.dump())
		}
		saveScreenshotIfAsked(p, p.name+"-"+scene+"-"+theme)
		if len(audit.Fails) > 0 {
			t.Errorf("%s, %s, %s theme: %d of %d texts below AA contrast:\n  %s",
				p.name, scene, theme, len(audit.Fails), audit.Checked, strings.Join(audit.Fails, "\n  "))
		}
	}
	setColorScheme(p, "")
}

// saveScreenshotIfAsked captures p's screen into CHAT_SCREENSHOTS, when
// set: the scenes of TestLook_TextContrast are those to look at by eye.
func saveScreenshotIfAsked(p *person, name string) {
	p.t.Helper()
	t := p.t
	dir := os.Getenv("CHAT_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	name = strings.NewReplacer(" ", "-", ",", "").Replace(name)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatalf("saving %s: %v", name, err)
	}
}

// setColorScheme makes the page prefer the light or the dark theme, or
// follow the system's again ("").
func setColorScheme(p *person, scheme string) {
	p.t.Helper()
	emulateMedia(p, &emulation.MediaFeature{Name: "prefers-color-scheme", Value: scheme})
}

// emulateMedia makes the page see the media features given (a feature with
// no value follows the system's again) and, once any is set, waits until
// the page's styles follow: a moment after the call returns, and some
// colours change through a transition, so they are read once it has ended.
func emulateMedia(p *person, features ...*emulation.MediaFeature) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: features}); err != nil {
		p.t.Fatalf("%s: emulating %v: %v", p.name, features, err)
	}
	var queries []string
	for _, f := range features {
		if f.Value != "" {
			queries = append(queries, "("+f.Name+": "+f.Value+")")
		}
	}
	if len(queries) == 0 {
		return
	}
	p.poll("the page to follow "+strings.Join(queries, " and "), waitTimeout, `(queries) => queries.every((q) => matchMedia(q).matches) &&
		new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() =>
			ok(document.getAnimations().every((a) => !(a instanceof CSSTransition) || a.playState !== 'running')))))`, queries)
}

// TestLook_ForcedColorsKeepIconsAndSwitches: in a Windows contrast theme
// (forced colours, emulated) every background becomes the theme's canvas,
// which took the send button's icon, the switches' tracks and thumbs and
// the connection's dot with it. Each must differ from the colour behind it.
func TestLook_ForcedColorsKeepIconsAndSwitches(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	alice := newPerson(t, "Alice")
	alice.open(roomURL(relay.URL(), "e2e-forced-colors", ""))
	alice.waitOnline()
	for _, scheme := range []string{"light", "dark"} {
		emulateMedia(alice, &emulation.MediaFeature{Name: "forced-colors", Value: "active"},
			&emulation.MediaFeature{Name: "prefers-color-scheme", Value: scheme})
		var vanished []string
		alice.eval(`(() => {
			const canvas = getComputedStyle(document.body).backgroundColor;
			const bg = (e, pseudo) => getComputedStyle(e, pseudo).backgroundColor;
			// What is drawn, and the colour right behind it.
			const behind = (e) => { const c = bg(e); return c === 'rgba(0, 0, 0, 0)' ? canvas : c; };
			const thumb = document.querySelector('#notify-toggle .switch-thumb');
			const receipts = document.querySelector('#read-receipts');
			const icon = document.querySelector('.send-icon');
			const dot = document.querySelector('#conn-state .dot');
			const drawn = {
				'the send icon': [bg(icon), behind(icon.parentElement)],
				'a switch off': [bg(thumb), behind(thumb.parentElement)],
				'the read receipts switch': [bg(receipts, '::before'), behind(receipts)],
				'the connection dot': [bg(dot), behind(dot.parentElement)],
			};
			return Object.keys(drawn).filter((k) => drawn[k][0] === drawn[k][1] || drawn[k][0] === 'rgba(0, 0, 0, 0)');
		})()`, &vanished)
		if len(vanished) > 0 {
			t.Errorf("forced colours, %s: drawn in the colour behind them, so invisible: %v", scheme, vanished)
		}
	}
}
