//go:build !js

package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Scenario: several relays, one room, over NATS JetStream. Two relays share a
// real NATS server; relay 1 serves a site whose deployer listed relay 1 then
// relay 2 (the generator's -relays). Alice uses that list; Bob, on the same
// site, overrides it with relay 2 alone in his settings. They chat across the
// relays. Relay 1 dies with SIGKILL: Alice's app moves to relay 2 by itself,
// resumes with since= and the conversation goes on both ways. Bob's message
// written while she was moving and hers written while offline both arrive;
// relay 2 serves her since= from JetStream (no "messages may be missing");
// both pages show the same messages in the same order, each exactly once, and
// Alice's old connection leaves Bob's presence list.
func TestFailover_RelayKilledAppMovesToTheNextRelay(t *testing.T) {
	requireSuite(t)
	requireRelayFlag(t, "nats")
	natsURL := startNATS(t)
	// Pages from relay 1's origin dial relay 2 too, which must allow them.
	relay1 := newRelay(t, "-nats", natsURL, "-origins", "127.0.0.1:*")
	relay2 := startRelay(t, "-nats", natsURL, "-origins", "127.0.0.1:*")
	// The site reaches relay 2 through a link, which records Alice's
	// handshakes there: her resume point.
	link2 := newLink(t, relay2.addr)
	link2WS := "ws://" + link2.ln.Addr().String() + "/ws"
	// Relay 2 itself is listed last so that the site's policy (connect-src)
	// lets Bob name it in his settings: a plain ws: relay must be listed.
	site := siteWithRelays(t, relay1.wsURL(), link2WS, relay2.wsURL())
	relay1.args = append(relay1.args, "-web", site) // the last -web wins
	relay1.start()
	room := "e2e-failover"

	alice, bob := newPerson(t, "Alice"), newPerson(t, "Bob")
	joinRoom(t, relay1.URL(), room, alice)
	alice.waitOnlineVia(waitTimeout, relay1.wsURL())
	bob.open(roomURL(relay1.URL(), room, ""))
	bob.waitOnlineVia(waitTimeout, relay1.wsURL()) // the deployer's first relay, until he says otherwise
	bob.setRelays(relay2.wsURL())
	bob.waitOnlineVia(waitTimeout, relay2.wsURL())
	bob.setNick(bob.name)
	bob.waitPresence(waitTimeout, "Alice")
	alice.waitPresence(waitTimeout, "Bob")

	// Two messages before the kill: the room's stream numbers them seq 1
	// and 2, so Alice's resume point is known without reading her storage.
	hello := "Hello from relay 1"
	alice.send(hello)
	bob.waitMessages(waitTimeout, []string{hello})
	answer := "Hi Alice, relay 2 here"
	bob.send(answer)
	alice.waitMessages(waitTimeout, []string{hello, answer})

	relay1.kill9()
	// While Alice's app moves, Bob goes on talking and Alice writes into her
	// outbox: neither message may be lost on the way.
	duringBob := "Bob while Alice moves"
	bob.send(duringBob)
	duringAlice := "Alice while moving"
	alice.send(duringAlice)
	alice.waitOnlineVia(reconnectTimeout, link2WS)
	resumed := link2.Handshakes() // up to the one relay 2 welcomed
	alice.waitMessages(reconnectTimeout, []string{duringAlice}, "delivered")
	alice.waitMessages(waitTimeout, []string{hello, answer, duringBob})
	bob.waitMessages(waitTimeout, []string{hello, answer, duringBob, duringAlice})

	after := "Still here, now through relay 2"
	alice.send(after)
	bob.waitMessages(waitTimeout, []string{after})
	reply := "Loud and clear"
	bob.send(reply)
	alice.waitMessages(waitTimeout, []string{after, reply})

	texts := []string{hello, answer, duringBob, duringAlice, after, reply}
	assertExactlyOnceAfterBarrier(t, alice, bob, texts, "Barrier after the failover")
	// Alice resumed on relay 2 from her last seq on relay 1, not from 0.
	assertResumedFrom(t, "Alice", resumed, 2)
	// Relay 2 serves Alice's since= from JetStream: nothing to warn about.
	var gaps int
	alice.eval(`document.querySelectorAll('#messages li.gap').length`, &gaps)
	if gaps != 0 {
		t.Errorf("Alice's page shows %d \"messages may be missing\" dividers after the failover\n%s", gaps, alice.dump())
	}
	// One total order per room: both pages list the messages alike.
	if a, b := shownTexts(alice.Messages()), shownTexts(bob.Messages()); !slices.Equal(a, b) {
		t.Fatalf("the pages disagree on the order:\nAlice %q\nBob   %q", a, b)
	}
	// Alice's connection on the dead relay leaves the room for Bob; her new
	// one stays: exactly one Alice.
	bob.poll("exactly one Alice in Bob's presence list", reconnectTimeout,
		`() => Array.from(document.querySelectorAll('#presence li')).filter(li => li.textContent.includes('Alice')).length === 1`)
}

// wsURL is the relay's WebSocket endpoint, as a person types it into the
// relay settings.
func (r *relayProcess) wsURL() string { return "ws://" + r.addr + "/ws" }

// setRelays types a relay list into the settings (#relay-url) and confirms
// it with Enter, as a person does; the app reconnects with the list. Wait
// for the app to be online first: the field exists once the wasm has
// mounted the app.
func (p *person) setRelays(list string) {
	p.t.Helper()
	p.do("clear #relay-url", chromedp.Focus(chromedp.CSS("#relay-url")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#relay-url').select()`))
	p.do("type the relay list", chromedp.SendKeys(chromedp.CSS("#relay-url"), list), pressEnter)
	p.poll("#relay-url to hold the list without an error", waitTimeout,
		`(list) => document.querySelector('#relay-url').value === list &&
			!document.querySelector('#relay-url').closest('form').querySelector('.field-error').textContent`, list)
}

// waitOnlineVia waits until the page is online through relay (#conn-state's
// data-relay).
func (p *person) waitOnlineVia(timeout time.Duration, relay string) {
	p.t.Helper()
	p.poll("online via "+relay, timeout,
		`(relay) => { const e = document.querySelector('#conn-state'); return !!e && e.dataset.state === 'online' && e.dataset.relay === relay; }`,
		relay)
}

// shownTexts is the texts of shown messages, in order.
func shownTexts(msgs []shownMessage) []string {
	texts := make([]string, len(msgs))
	for i, m := range msgs {
		texts[i] = strings.TrimSpace(m.Text)
	}
	return texts
}
