//go:build !js

package e2e

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// countWebSockets counts the WebSockets p's pages open from now on, from
// the browser's own record (CDP Network.webSocketCreated).
func countWebSockets(p *person) *atomic.Int32 {
	var n atomic.Int32
	created := chromedp.Events(p.ctx, network.WebSocketCreated)
	go func() {
		for _, err := range created {
			if err != nil {
				return
			}
			n.Add(1)
		}
	}()
	return &n
}

// joinRoom joins room with the sidebar's form, as a person does.
func (p *person) joinRoom(room string) {
	p.t.Helper()
	p.do("join "+room,
		chromedp.SetValue(chromedp.CSS("#room-input"), room),
		chromedp.Click(chromedp.CSS("#room-go")))
	p.poll("the room "+room+" open", waitTimeout, fmt.Sprintf(
		`() => location.hash === '#room=%s' && document.querySelector('#conn-state').dataset.state === 'online'`, room))
}

// openRecent opens a room from the sidebar's list of recent rooms.
func (p *person) openRecent(room string) {
	p.t.Helper()
	var ok bool
	p.eval(fmt.Sprintf(`(() => { const a = document.querySelector('#recent-rooms li[data-room=%q] a'); if (a) a.click(); return !!a; })()`, room), &ok)
	if !ok {
		p.t.Fatalf("%s: no %s in the recent rooms\n%s", p.name, room, p.dump())
	}
	p.poll("the room "+room+" open", waitTimeout, fmt.Sprintf(`() => location.hash === '#room=%s'`, room))
}

// allowNotifications grants the page's origin the permission and switches
// notifications on in the settings.
func (p *person) allowNotifications(origin string) {
	p.t.Helper()
	p.do("allow notifications", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := cdp.Call(ctx, chromedp.FromContext(ctx).Browser, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "notifications"},
			Setting:    browser.PermissionSettingGranted,
			Origin:     origin,
		})
		return err
	}))
	p.do("switch notifications on", chromedp.Click(chromedp.CSS("#notify-toggle")))
	p.poll("notifications on and a service worker", waitTimeout,
		`() => document.querySelector('#notify-toggle').getAttribute('aria-checked') === 'true' && navigator.serviceWorker.controller !== null`)
}

// Issue 13's proof of many rooms on one connection, in two real browsers:
// Bob is in rooms A and B and looks at A; Alice writes in B. Bob's sidebar
// shows B bold with "1 unread", the title counts it, a notification names
// B, and B's line opens at once when he switches. In B, which Bob's page
// joined with a sub on the connection of A, typing, replies and reactions
// flow both ways, and a reload keeps them. The browser's own record shows
// one WebSocket per page load, not one per room.
func TestRooms_AllRecentRoomsLiveOnOneWebSocket(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	roomA, roomB := "e2e-rooms-a", "e2e-rooms-b"
	bob := newPerson(t, "Bob")
	sockets := countWebSockets(bob)
	bob.open(roomURL(relay.URL(), roomA, ""))
	bob.waitOnline()
	bob.setNick("Bob")
	bob.allowNotifications(relay.URL())
	bob.eval(`(() => {
		window.notified = [];
		const show = window.goappNewNotification;
		window.goappNewNotification = n => { window.notified.push(n); show(n); };
	})()`, nil)
	bob.joinRoom(roomB)
	bob.openRecent(roomA)
	bob.waitOnline()

	alice := newPerson(t, "Alice")
	alice.open(roomURL(relay.URL(), roomB, ""))
	alice.waitOnline()
	alice.setNick("Alice")
	alice.waitText(waitTimeout, "#presence", "Bob") // Bob is in B while he looks at A
	alice.send("news in B")

	bob.poll("B bold with 1 unread in the sidebar", waitTimeout, fmt.Sprintf(`() => {
		const a = document.querySelector('#recent-rooms li[data-room=%q] a');
		const badge = a && a.querySelector('.unread-badge');
		return !!badge && a.classList.contains('unread') && badge.textContent === '1' && badge.getAttribute('aria-label') === '1 unread';
	}`, roomB))
	bob.poll("the title counting it", waitTimeout, `() => document.title.startsWith('(1) ')`)
	// The app's request, as it hands it to go-app: the worker showing it
	// (tagged, replaced) is TestNotifications_WorkerReplacesByTag's.
	bob.poll("a notification from B", waitTimeout, fmt.Sprintf(`() => window.notified.some(n => {
		const o = JSON.parse(n);
		return o.title.includes('#%s') && o.body.includes('news in B') && o.tag === 'chat-%s';
	})`, roomB, roomB))
	for _, m := range bob.Messages() {
		if m.Text == "news in B" {
			t.Fatalf("room A shows B's message\n%s", bob.dump())
		}
	}

	bob.openRecent(roomB)
	bob.waitMessages(waitTimeout, []string{"news in B"})
	bob.poll("B's badge gone once read", waitTimeout, fmt.Sprintf(
		`() => !document.querySelector('#recent-rooms li[data-room=%q] .unread-badge')`, roomB))

	alice.typeText("are you the")
	bob.waitText(waitTimeout, "#typing", "Alice is typing…")
	alice.typeText("re?")
	alice.do("press Enter in #composer", pressEnter)
	bob.waitMessages(waitTimeout, []string{"news in B", "are you there?"})

	there, _ := find(bob.Messages(), "are you there?")
	bob.clickIn(there.Key, ".act-reply")
	bob.send("here, in B")
	alice.waitMessages(waitTimeout, []string{"news in B", "are you there?", "here, in B"})
	alice.waitText(waitTimeout, "#messages li.msg .reply-quote", "Alice: are you there?")
	bob.clickIn(there.Key, ".act-react")
	bob.poll("the emoji picker", waitTimeout, `() => !!document.querySelector('#messages .reaction-picker')`)
	bob.clickIn(there.Key, `.pick[aria-label="React with 👍"]`)
	alice.waitText(waitTimeout, "#messages li.msg .reaction", "👍 1")

	if n := sockets.Load(); n != 1 {
		t.Fatalf("Bob's page opened %d WebSockets for two rooms, want 1", n)
	}

	bob.reload()
	bob.waitMessages(waitTimeout, []string{"news in B", "are you there?", "here, in B"})
	bob.waitText(waitTimeout, "#messages li.msg .reaction", "👍 1")
	bob.poll("both rooms in the sidebar after the reload", waitTimeout, fmt.Sprintf(
		`() => !!document.querySelector('#recent-rooms li[data-room=%q]') && !!document.querySelector('#recent-rooms li[data-room=%q]')`, roomA, roomB))
	bob.waitOnline()
	alice.send("after the reload")
	bob.waitMessages(waitTimeout, []string{"news in B", "are you there?", "here, in B", "after the reload"})
	if n := sockets.Load(); n != 2 {
		t.Fatalf("Bob's two page loads opened %d WebSockets, want 2", n)
	}
}
