//go:build !js

package e2e

import (
	"encoding/json"
	"testing"
)

// Scenario 6. Bob reloads while his network holds every WebSocket handshake:
// his history is on screen before the relay has answered. Then the relay —
// which is also the static server — stops, and Bob reloads again: the service
// worker opens the app, which shows the history and the offline state. When
// the relay returns, Bob's page comes back online by itself.
func TestOffline_ReloadShowsHistoryAndStartsWithoutServer(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-offline"

	alice, bob := newPerson(t, "Alice"), newPerson(t, "Bob")
	bobLink := newLink(t, relay.addr)
	alice.open(roomURL(relay.URL(), room, ""))
	alice.waitOnline()
	alice.setNick("Alice")
	bob.open(roomURL(bobLink.URL(), room, ""))
	bob.waitOnline()
	bob.setNick("Bob")
	bob.waitServiceWorkerReady()

	own := "Bob's own line"
	bob.send(own)
	bob.waitMessages(waitTimeout, []string{own}, "delivered")
	history := []string{own, "First line from Alice", "Second line from Alice"}
	for _, text := range history[1:] {
		alice.send(text)
	}
	bob.waitMessages(waitTimeout, history)

	// Bob reloads as soon as Alice's last line is on his screen, with the
	// relay silent: what he saw must be there again before the network
	// answers, including that last line.
	bobLink.HoldWebSockets()
	bob.reload()
	raw, err := bob.tryPoll(waitTimeout,
		`(texts) => {
			const shown = Array.from(document.querySelectorAll('#messages li.msg .text')).map(e => e.textContent.trim());
			if (!texts.every(t => shown.includes(t))) return null;
			const s = document.querySelector('#conn-state');
			return {state: s ? s.dataset.state : ''};
		}`, history)
	if err != nil {
		t.Errorf("Bob reloaded right after the conversation and does not see it again while the relay is silent (%v)\n%s",
			err, bob.dump())
	} else {
		var seen struct {
			State string `json:"state"`
		}
		if err := json.Unmarshal(raw, &seen); err != nil {
			t.Fatalf("decoding %s: %v", raw, err)
		}
		if seen.State == "online" {
			t.Errorf("Bob's page says online while the relay has not answered a handshake\n%s", bob.dump())
		}
		t.Logf("history shown after the reload while the relay had not answered (state %q)", seen.State)
	}
	bobLink.ReleaseWebSockets()
	bob.waitState(reconnectTimeout, "online")
	bob.waitMessages(waitTimeout, history)

	// No server at all: the service worker must open the app.
	relay.stop()
	bob.waitState(waitTimeout, notOnline...)
	bob.reload()
	bob.waitMessages(waitTimeout, history)
	bob.waitState(reconnectTimeout, "offline", "reconnecting")

	relay.start()
	bob.waitState(reconnectTimeout, "online")
}

// waitServiceWorkerReady waits until a service worker controls the page and
// its cache holds every resource it precaches (the list in app-worker.js), so
// that the app can start with no network.
func (p *person) waitServiceWorkerReady() {
	p.t.Helper()
	p.poll("the service worker to control the page with every resource cached", reconnectTimeout,
		`async () => {
			if (!navigator.serviceWorker || !navigator.serviceWorker.controller) return false;
			const reg = await navigator.serviceWorker.getRegistration();
			if (!reg || !reg.active || reg.active.state !== 'activated') return false;
			const src = await (await fetch(reg.active.scriptURL, {cache: 'no-store'})).text();
			const m = src.match(/resourcesToCache\s*=\s*(\[[^\]]*\])/);
			const wanted = m ? JSON.parse(m[1]) : ['/', '/web/app.wasm'];
			if (!wanted.length) return false;
			for (const url of wanted) {
				if (!(await caches.match(url))) return false;
			}
			return wanted.length;
		}`)
}
