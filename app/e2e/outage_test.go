//go:build !js

package e2e

import "testing"

// Connection states that mean "not connected right now".
var notOnline = []string{"connecting", "offline", "reconnecting"}

// Scenario 3. The relay stops; Alice writes three messages, shown pending; the
// relay comes back on the same port; Alice's client reconnects by itself and
// sends them: Bob receives all three, in order, exactly once, and Alice's
// turn delivered.
func TestOutbox_SurvivesRelayOutage(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-outbox"

	alice, bob := newPerson(t, "Alice"), newPerson(t, "Bob")
	joinRoom(t, relay.URL(), room, alice, bob)

	before := "Before the outage"
	alice.send(before)
	bob.waitMessages(waitTimeout, []string{before})

	relay.stop()
	alice.waitState(waitTimeout, notOnline...)
	bob.waitState(waitTimeout, notOnline...)

	outbox := []string{"Queued one", "Queued two", "Queued three"}
	for _, text := range outbox {
		alice.send(text)
	}
	alice.waitMessages(waitTimeout, outbox, "pending")

	relay.start()
	alice.waitState(reconnectTimeout, "online")
	bob.waitState(reconnectTimeout, "online")
	alice.waitMessages(reconnectTimeout, outbox, "delivered")
	bob.waitMessages(reconnectTimeout, append([]string{before}, outbox...))

	assertExactlyOnceAfterBarrier(t, alice, bob, append([]string{before}, outbox...), "After the outage")
}

// Scenario 4. The relay dies with SIGKILL in the middle of a conversation and
// is started again; both clients reconnect without a click and the
// conversation goes on both ways.
func TestReconnect_AfterRelayKill9(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-kill9"

	alice, bob := newPerson(t, "Alice"), newPerson(t, "Bob")
	joinRoom(t, relay.URL(), room, alice, bob)

	question := "Are you still there?"
	alice.send(question)
	bob.waitMessages(waitTimeout, []string{question})
	answer := "Yes, still here."
	bob.send(answer)
	alice.waitMessages(waitTimeout, []string{question, answer})

	relay.kill9()
	alice.waitState(reconnectTimeout, notOnline...)
	bob.waitState(reconnectTimeout, notOnline...)
	relay.start()
	alice.waitState(reconnectTimeout, "online")
	bob.waitState(reconnectTimeout, "online")

	after := "That was a crash. Still here?"
	alice.send(after)
	bob.waitMessages(waitTimeout, []string{after})
	alice.waitMessages(waitTimeout, []string{after}, "delivered")
	reply := "Yes, the chat is back."
	bob.send(reply)
	alice.waitMessages(waitTimeout, []string{after, reply})
	bob.waitMessages(waitTimeout, []string{reply}, "delivered")

	assertExactlyOnceAfterBarrier(t, alice, bob, []string{question, answer, after, reply}, "Barrier after the crash")
}

// joinRoom opens room at origin for each person, waits until they are online
// and names them after the person.
func joinRoom(t *testing.T, origin, room string, people ...*person) {
	t.Helper()
	for _, p := range people {
		p.open(roomURL(origin, room, ""))
		p.waitOnline()
		p.setNick(p.name)
	}
}

// assertExactlyOnceAfterBarrier checks that every text is shown exactly once to
// both people. A duplicate can arrive late, so sender first sends a barrier
// message and waits until receiver shows it: anything the relay sent before
// the barrier has been rendered by then.
func assertExactlyOnceAfterBarrier(t *testing.T, sender, receiver *person, texts []string, barrier string) {
	t.Helper()
	sender.send(barrier)
	receiver.waitMessages(waitTimeout, []string{barrier})
	sender.waitMessages(waitTimeout, []string{barrier}, "delivered")
	for _, p := range []*person{sender, receiver} {
		msgs := p.Messages()
		for _, text := range append(texts, barrier) {
			if n := count(msgs, text); n != 1 {
				t.Errorf("%s sees %q %d times, want exactly once\n%s", p.name, text, n, p.dump())
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}
