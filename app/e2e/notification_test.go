//go:build !js

package e2e

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// Scenario: notifications go through the app's service worker once it is
// active. Two notifications of one room, shown the way go-app shows them
// (a goapp:notify message to the worker), leave one notification, the
// second: the worker passes the tag on (go-app's own drops it, and they
// stacked).
func TestNotifications_WorkerReplacesByTag(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	eve := newPerson(t, "Eve")
	eve.open(roomURL(relay.URL(), "e2e-notify", ""))
	eve.do("allow notifications", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := cdp.Call(ctx, chromedp.FromContext(ctx).Browser, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "notifications"},
			Setting:    browser.PermissionSettingGranted,
			Origin:     relay.URL(),
		})
		return err
	}))
	eve.poll("an active service worker and the permission", waitTimeout,
		`() => Notification.permission === 'granted' && navigator.serviceWorker.controller !== null`)
	// Both are posted again on every look until the second shows: a
	// worker that is replaced or restarted in between drops what it was
	// sent. Posting again cannot hide a lost tag: untagged, every post
	// would stack one more notification.
	raw := eve.poll("the second notification", waitTimeout, `async () => {
		const reg = await navigator.serviceWorker.ready;
		let shown = await reg.getNotifications();
		if (!shown.some(n => n.body === 'second')) {
			for (const body of ['first', 'second']) {
				reg.active.postMessage({type: 'goapp:notify', options: {title: 'Bob in #e2e-notify', body, tag: 'chat-e2e-notify', path: '/'}});
			}
			return false;
		}
		return shown.map(n => ({tag: n.tag, body: n.body}));
	}`)
	var shown []struct{ Tag, Body string }
	if err := json.Unmarshal(raw, &shown); err != nil {
		t.Fatal(err)
	}
	if len(shown) != 1 || shown[0].Tag != "chat-e2e-notify" || shown[0].Body != "second" {
		t.Fatalf("notifications shown: %+v, want only the second, tagged chat-e2e-notify", shown)
	}
}

// Scenario: "Hide message text" is a switch in the settings that stays set
// after a reload, and switches off again. (Off again is the case a handler
// holding the values of the first render, before the stored settings were
// read, gets wrong: go-app keeps an element's first handler.)
func TestNotifications_HideTextSettingPersists(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	eve := newPerson(t, "Eve")
	eve.open(roomURL(relay.URL(), "e2e-hide-text", ""))
	eve.waitOnline()
	eve.do("switch on hide message text", chromedp.Click(chromedp.CSS("#hide-text-toggle")))
	eve.poll("the switch on", waitTimeout, `() => document.querySelector('#hide-text-toggle').getAttribute('aria-checked') === 'true'`)
	eve.reload()
	eve.poll("the switch still on after a reload", waitTimeout,
		`() => document.querySelector('#hide-text-toggle').getAttribute('aria-checked') === 'true'`)
	eve.do("switch off hide message text", chromedp.Click(chromedp.CSS("#hide-text-toggle")))
	eve.poll("the switch off", waitTimeout, `() => document.querySelector('#hide-text-toggle').getAttribute('aria-checked') === 'false'`)
}
