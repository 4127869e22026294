//go:build !js

package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/chatpwa/chat/relay/wire"
)

// Once the room is online, the page runs a key's path through Go once, for
// a faster first keypress (app/appjs.go, chatWarmComposer): an untrusted
// keydown and input on the empty box. Nobody must notice: no typing signal
// reaches the room and nothing in the composer changes; the first real key
// then says "typing" as before.
func TestComposer_KeyPathWarmedUnnoticedOnceOnline(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-composer-warm"
	var mu sync.Mutex
	var heard []string // every typing signal the room hears and every nick announced, in order
	more := make(chan struct{}, 1)
	observer := dialRelayReading(t, relay, room, "observer", func(frame []byte) {
		wire.Split(frame, func(object []byte) error {
			var f wire.ServerFrame
			switch {
			case json.Unmarshal(object, &f) != nil:
			case f.Type == wire.TypeSignal && strings.Contains(string(f.Data), `"typing"`):
				mu.Lock()
				heard = append(heard, "signal "+string(f.Data))
				mu.Unlock()
			case f.Type == wire.TypeMeta:
				mu.Lock()
				heard = append(heard, "meta "+string(f.Meta))
				mu.Unlock()
			default:
				return nil
			}
			select {
			case more <- struct{}{}:
			default:
			}
			return nil
		})
	})
	// waitHeard waits until the room has heard what, and returns all it
	// heard before it.
	waitHeard := func(what string) []string {
		t.Helper()
		deadline := time.After(waitTimeout)
		for {
			mu.Lock()
			i := slices.Index(heard, what)
			before := slices.Clone(heard[:max(i, 0)])
			all := slices.Clone(heard)
			mu.Unlock()
			if i >= 0 {
				return before
			}
			select {
			case <-deadline:
				t.Fatalf("the room did not hear %s; it heard %q", what, all)
			case <-more:
			}
		}
	}

	alice := newPerson(t, "Alice")
	// From the page's start: every keydown and input the box gets, and,
	// from the first untrusted input on, every change inside the
	// composer's form.
	alice.runOnEveryDocument("record the composer's events", `(() => {
			window.__composerEvents = [];
			window.__composerChanges = [];
			let warmed = false;
			for (const type of ['keydown', 'input']) {
				document.addEventListener(type, (e) => {
					if (e.target.id === 'composer') {
						window.__composerEvents.push(type + (e.isTrusted ? '' : ' (untrusted)'));
						warmed = warmed || (type === 'input' && !e.isTrusted);
					}
				}, true);
			}
			new MutationObserver((records) => {
				for (const r of records) {
					const node = r.target.nodeType === Node.ELEMENT_NODE ? r.target : r.target.parentElement;
					if (warmed && node && node.closest('form.composer')) {
						window.__composerChanges.push(r.type + ' ' + (r.attributeName || '') + ' on ' + node.nodeName);
					}
				}
			}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
		})()`)
	alice.open(roomURL(relay.URL(), room, ""))
	alice.waitOnline()
	alice.poll("the warm-up's keydown and input on the box", waitTimeout,
		`() => window.__composerEvents.join(', ') === 'keydown (untrusted), input (untrusted)'`)
	// A message drawn after the warm-up: any render the warm-up asked for
	// has been done by then.
	observer.pub(t, "after-warm-up", "Observer", "after the warm-up")
	alice.waitMessages(waitTimeout, []string{"after the warm-up"})
	var changes []string
	alice.eval(`window.__composerChanges`, &changes)
	if len(changes) != 0 {
		t.Errorf("the warm-up changed the composer: %q", changes)
	}
	var value string
	alice.eval(`document.querySelector('#composer').value`, &value)
	if value != "" {
		t.Errorf("the box holds %q after the warm-up, want it empty", value)
	}

	// Alice's frames reach the room in order: her nick, announced now, comes
	// after any signal the warm-up sent.
	alice.setNick("Alice")
	for _, h := range waitHeard(`meta {"nick":"Alice"}`) {
		if strings.HasPrefix(h, "signal ") {
			t.Errorf("the room heard %s before Alice's nick: the warm-up said it", h)
		}
	}
	// A real key says "typing", as before.
	alice.do("focus the composer", chromedp.Focus(chromedp.CSS("#composer")))
	alice.do("type x", pressKey(false))
	waitHeard(`signal {"typing":true}`)
}
