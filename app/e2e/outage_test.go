//go:build !js

package e2e

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

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
	relay.assertPublished(len(outbox) + 1) // this run of the relay: the outbox and the barrier
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
	relay.assertPublished(3) // this run of the relay: after, reply and the barrier
}

// Scenario: the echo is lost. Alice's message reaches the relay (Bob gets
// it), but her link dies before its echo reaches her, and she comes back with
// a resume point past it, so the relay's replay does not carry it: her page
// must resend it, and the relay's dedup must answer her alone with the
// original. The pages show it once (their own dedup would hide a second
// publication), so the relay's count says it published it once.
func TestOutbox_LostEchoResentPublishedOnce(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-lost-echo"

	alice, bob := newPerson(t, "Alice"), newPerson(t, "Bob")
	aliceLink := newLink(t, relay.addr)
	joinRoom(t, aliceLink.URL(), room, alice)
	joinRoom(t, relay.URL(), room, bob)

	before := "Before the lost echo"
	alice.send(before)
	bob.waitMessages(waitTimeout, []string{before})
	alice.waitMessages(waitTimeout, []string{before}, "delivered") // seq 1

	aliceLink.FreezeReplies()
	lost := "Its echo gets lost"
	alice.send(lost)
	bob.waitMessages(waitTimeout, []string{lost}) // the relay has it: seq 2
	if m, _ := find(alice.Messages(), lost); m.Status == "delivered" {
		t.Fatalf("Alice's message is delivered although its echo is held\n%s", alice.dump())
	}
	aliceLink.ResumeFrom(2)
	handshakesBefore := len(aliceLink.Handshakes())
	aliceLink.Cut()
	aliceLink.ThawReplies() // the held echo has no connection left to go to
	alice.waitState(waitTimeout, notOnline...)
	aliceLink.Restore()
	alice.waitState(reconnectTimeout, "online")
	// The replay skipped seq 2: only the relay's answer to her resend can
	// deliver it.
	alice.waitMessages(reconnectTimeout, []string{lost}, "delivered")
	if len(aliceLink.Handshakes()) == handshakesBefore {
		t.Fatal("Alice's page reconnected without a handshake through her link")
	}

	assertExactlyOnceAfterBarrier(t, alice, bob, []string{before, lost}, "After the lost echo")
	relay.assertPublished(3) // before, lost (once) and the barrier
}

// assertPublished checks what the relay itself did: relay_messages_in_total
// (messages published, deduplicated resends excluded) of its current run is
// want. The pages' own dedup by (cid, id) would hide a message the relay
// published twice; this does not.
func (r *relayProcess) assertPublished(want int) {
	r.t.Helper()
	resp, err := http.Get(r.URL() + "/metrics")
	if err != nil {
		r.t.Fatalf("relay: GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatalf("relay: reading /metrics: %v", err)
	}
	const name = "relay_messages_in_total"
	for line := range strings.Lines(string(body)) {
		if value, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			if got, err := strconv.ParseFloat(value, 64); err != nil || got != float64(want) {
				r.t.Fatalf("relay: %s %s, want %d: the relay published a message more (or less) than once", name, value, want)
			}
			return
		}
	}
	r.t.Fatalf("relay: no %s in /metrics", name)
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
