//go:build !js

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Scenario 1. Alice and Bob open the same room link and talk: Bob sees Alice's
// words under her nickname, her message turns delivered ✓, and Carol, in
// another room of the same relay, sees none of it. Screenshots of Alice's
// screen, desktop and phone, go to CHAT_SCREENSHOTS. The relay runs with
// -require-ckey: it answers 400 to a handshake with cid= (alone or next to
// ckey=), so every browser here connects with ckey= and no cid=.
func TestChat_TwoPeopleTalkInARoom(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t, "-require-ckey")
	room, otherRoom := "e2e-chat", "e2e-elsewhere"

	alice := newPerson(t, "Alice")
	bob := newPerson(t, "Bob")
	carol := newPerson(t, "Carol")

	alice.open(roomURL(relay.URL(), room, ""))
	alice.waitOnline()
	alice.setNick("Alice")
	bob.open(roomURL(relay.URL(), room, ""))
	bob.waitOnline()
	bob.setNick("Bob")
	carol.open(roomURL(relay.URL(), otherRoom, ""))
	carol.waitOnline()

	hello := "Hello Bob, this is Alice. Lunch at noon?"
	alice.sendWithEnter(hello)

	bob.waitMessages(waitTimeout, []string{hello})
	got, _ := find(bob.Messages(), hello)
	if got.Nick != "Alice" {
		t.Errorf("Bob sees the message under the nickname %q, want %q\n%s", got.Nick, "Alice", bob.dump())
	}
	if got.Mine != "false" {
		t.Errorf("Bob's page marks Alice's message data-mine=%q, want false", got.Mine)
	}

	alice.waitMessages(waitTimeout, []string{hello}, "delivered")
	mine, _ := find(alice.Messages(), hello)
	if mine.Mine != "true" {
		t.Errorf("Alice's own message has data-mine=%q, want true", mine.Mine)
	}
	var check string
	alice.eval(fmt.Sprintf(`document.querySelector('#messages li.msg[data-key=%q] .status').textContent`, mine.Key), &check)
	if !strings.Contains(check, "✓") {
		t.Errorf("Alice's delivered message shows the status %q, want a ✓", check)
	}
	if mine.Time == "" {
		t.Errorf("Alice's message shows no time\n%s", alice.dump())
	}

	reply := "Noon works. See you there!"
	bob.send(reply)
	alice.waitMessages(waitTimeout, []string{hello, reply})
	if got, _ := find(alice.Messages(), reply); got.Nick != "Bob" {
		t.Errorf("Alice sees Bob's reply under %q, want %q", got.Nick, "Bob")
	}
	bob.waitMessages(waitTimeout, []string{reply}, "delivered")

	// Carol's own message, delivered to her after Alice's and Bob's were
	// delivered to them, shows that her room is live; it must stay hers.
	aside := "Is anyone in this room?"
	carol.send(aside)
	carol.waitMessages(waitTimeout, []string{aside}, "delivered")
	for _, m := range carol.Messages() {
		if m.Text != aside {
			t.Errorf("Carol, in another room, sees %q from %q\n%s", m.Text, m.Nick, carol.dump())
		}
	}
	barrier := "Did anyone else hear that?"
	alice.send(barrier)
	bob.waitMessages(waitTimeout, []string{hello, reply, barrier})
	if count(bob.Messages(), aside) != 0 {
		t.Errorf("Bob sees Carol's message from another room\n%s", bob.dump())
	}

	saveScreenshots(t, alice)
}

// saveScreenshots captures p's screen at desktop (1280×800) and phone (390×844)
// sizes into CHAT_SCREENSHOTS, or a new temporary directory, and logs where.
func saveScreenshots(t *testing.T, p *person) {
	t.Helper()
	dir := os.Getenv("CHAT_SCREENSHOTS")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "chat-screenshots-"); err != nil {
			t.Fatalf("screenshot directory: %v", err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot directory: %v", err)
	}
	sizes := []struct {
		name          string
		width, height int64
		opts          []chromedp.EmulateViewportOption
	}{
		{"desktop-1280x800", 1280, 800, nil},
		{"phone-390x844", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch}},
	}
	for _, size := range sizes {
		p.do("resize to "+size.name, chromedp.EmulateViewport(size.width, size.height, size.opts...))
		// Capture once the layout at the new size has settled: a frame has
		// rendered and no CSS transition (a drawer sliding away) is running.
		p.poll("layout to settle at "+size.name, waitTimeout,
			`() => new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(() =>
				ok(document.getAnimations().every(a => a.playState !== 'running')))))`)
		ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		cancel()
		if err != nil {
			t.Fatalf("screenshot %s: %v", size.name, err)
		}
		path := filepath.Join(dir, "chat-"+p.name+"-"+size.name+".png")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatalf("saving %s: %v", path, err)
		}
	}
	p.do("reset the viewport", chromedp.EmulateReset())
	t.Logf("screenshots of scenario 1 (desktop 1280×800, phone 390×844): %s", dir)
}
