//go:build !js

package e2e

import (
	"testing"
	"time"
)

// renderSlack is what the page may add on top of the relay's keepalive bound
// to show a leave: a frame of rendering, the poll, a loaded 2-core machine.
const renderSlack = 3 * time.Second

// Scenario 2. Bob's member list shows Alice and Dave. Alice closes her page:
// Bob sees "Alice left". Dave's network goes silent without a goodbye (his
// link freezes: no FIN, no close frame), so only the relay's keepalive can
// notice: Bob sees "Dave left" within the keepalive bound.
func TestPresence_LeaveShowsWithinKeepalive(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-presence"

	alice := newPerson(t, "Alice")
	bob := newPerson(t, "Bob")
	dave := newPerson(t, "Dave")
	daveLink := newLink(t, relay.addr)

	bob.open(roomURL(relay.URL(), room, ""))
	bob.waitOnline()
	bob.setNick("Bob")
	alice.open(roomURL(relay.URL(), room, ""))
	alice.waitOnline()
	alice.setNick("Alice")
	dave.open(roomURL(daveLink.URL(), room, ""))
	dave.waitOnline()
	dave.setNick("Dave")

	bob.waitPresence(waitTimeout, "Alice", "Dave")
	bob.poll("#presence-count to count the listed members", waitTimeout,
		`() => {
			const n = document.querySelectorAll('#presence li').length;
			const c = document.querySelector('#presence-count');
			return c && n > 0 && c.textContent.includes(String(n));
		}`)

	// Alice closes her page.
	start := time.Now()
	alice.close()
	bob.waitText(keepaliveBound+renderSlack, "#messages li.sys", "Alice left")
	bob.waitAbsentFromPresence(waitTimeout, "Alice")
	t.Logf("Bob saw Alice leave %v after she closed her page", time.Since(start).Round(time.Millisecond))

	// Dave's packets stop, his sockets stay open.
	start = time.Now()
	daveLink.Freeze()
	bob.waitText(keepaliveBound+renderSlack, "#messages li.sys", "Dave left")
	bob.waitAbsentFromPresence(waitTimeout, "Dave")
	t.Logf("Bob saw Dave leave %v after his network went silent (keepalive bound %v)",
		time.Since(start).Round(time.Millisecond), keepaliveBound)
	daveLink.Thaw()
}

// waitPresence waits until #presence lists every one of nicks.
func (p *person) waitPresence(timeout time.Duration, nicks ...string) {
	p.t.Helper()
	p.poll("#presence to list "+joinQuoted(nicks), timeout,
		`(nicks) => {
			const listed = Array.from(document.querySelectorAll('#presence li')).map(li => li.textContent.trim());
			return nicks.every(n => listed.some(l => l.includes(n)));
		}`, nicks)
}

// waitAbsentFromPresence waits until #presence no longer lists nick.
func (p *person) waitAbsentFromPresence(timeout time.Duration, nick string) {
	p.t.Helper()
	p.poll("#presence to drop "+nick, timeout,
		`(nick) => document.querySelector('#presence') &&
			!Array.from(document.querySelectorAll('#presence li')).some(li => li.textContent.includes(nick))`, nick)
}

func joinQuoted(items []string) string {
	s := ""
	for i, item := range items {
		if i > 0 {
			s += ", "
		}
		s += `"` + item + `"`
	}
	return s
}
