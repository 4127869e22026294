//go:build !js

package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// A key is shown before new messages are rendered (app/ui/key-frame.go): a
// keydown raises self.chatKeyAwaitsFrame before the key reaches Go and
// lowers it after the frame that follows (app/appjs.go, chatKeyFrame), and
// a session holds a new view while it is up, but never longer than
// keyFrameWait (32 ms): the message still comes.
func TestComposer_ViewsWaitForAKeysFrame(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-key-frame"
	alice := newPerson(t, "Alice")
	alice.open(roomURL(relay.URL(), room, ""))
	alice.waitOnline()

	// The page's half: up in the key's own handlers, down after its frame.
	alice.do("focus the composer", chromedp.Focus(chromedp.CSS("#composer")))
	alice.eval(`(() => {
		window.__upAtKey = [];
		document.querySelector('#composer').addEventListener('keydown', () => window.__upAtKey.push(self.chatKeyAwaitsFrame));
	})()`, nil)
	alice.do("type x", pressKey(false))
	alice.poll("the key's keydown", waitTimeout, `() => window.__upAtKey.length === 1`)
	var upAtKey []any
	alice.eval(`window.__upAtKey`, &upAtKey)
	if len(upAtKey) != 1 || upAtKey[0] != true {
		t.Errorf("self.chatKeyAwaitsFrame in the key's keydown = %v, want true", upAtKey)
	}
	alice.poll("the flag down after the key's frame", waitTimeout, `() => self.chatKeyAwaitsFrame === false`)

	// Go's half: with the flag kept up, as by a frame that never comes, a
	// new message's view is held: Go reads the flag again and again, and
	// the message is drawn keyFrameWait after the first read at the soonest.
	alice.eval(`(() => {
		window.__reads = [];
		window.__shown = 0;
		Object.defineProperty(self, 'chatKeyAwaitsFrame', {configurable: true, set() {},
			get() { window.__reads.push(performance.now()); return true; }});
		new MutationObserver(() => {
			const texts = [...document.querySelectorAll('#messages li.msg .text')];
			if (!window.__shown && texts.some((e) => e.textContent.trim() === 'held for the key')) {
				window.__shown = performance.now();
			}
		}).observe(document.querySelector('#messages'), {subtree: true, childList: true, characterData: true});
	})()`, nil)
	sender := dialRelay(t, relay, room, "key-frame-sender")
	sender.pub(t, "held", "Sender", "held for the key")
	alice.waitMessages(waitTimeout, []string{"held for the key"})
	var got struct {
		Reads []float64
		Shown float64
	}
	alice.eval(`({reads: window.__reads, shown: window.__shown})`, &got)
	if len(got.Reads) < 2 {
		t.Fatalf("Go read self.chatKeyAwaitsFrame %d times before drawing the message, want it to look again while it is up", len(got.Reads))
	}
	// 30, not 32: Go's clock and the page's are read a moment apart.
	if held := got.Shown - got.Reads[0]; held < 30 {
		t.Errorf("the message was drawn %.1f ms after Go first read the flag, want keyFrameWait (32 ms) at least", held)
	}
}
