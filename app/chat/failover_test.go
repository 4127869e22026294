package chat

import (
	"strings"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

func TestFailover_MovesAfterConsecutiveFailuresRoundRobin(t *testing.T) {
	f := newFailover([]string{"ws://a/ws", "ws://b/ws", "ws://c/ws"})
	var visited []string
	for range 3 * DefaultFailoverAttempts * 2 {
		visited = append(visited, f.relay())
		f.failed()
	}
	var want []string
	for range 2 {
		for _, relay := range []string{"ws://a/ws", "ws://b/ws", "ws://c/ws"} {
			for range DefaultFailoverAttempts {
				want = append(want, relay)
			}
		}
	}
	if strings.Join(visited, " ") != strings.Join(want, " ") {
		t.Fatalf("attempts went to\n%q\nwant\n%q", visited, want)
	}
}

func TestFailover_WelcomeResetsTheCount(t *testing.T) {
	f := newFailover([]string{"ws://a/ws", "ws://b/ws"})
	for range 10 {
		for range DefaultFailoverAttempts - 1 {
			if f.failed() {
				t.Fatal("moved before DefaultFailoverAttempts failures in a row")
			}
		}
		f.welcomed()
	}
	if f.relay() != "ws://a/ws" {
		t.Fatalf("failures separated by welcomes moved the client to %s", f.relay())
	}
	for range DefaultFailoverAttempts - 1 {
		f.failed()
	}
	if !f.failed() || f.relay() != "ws://b/ws" {
		t.Fatalf("after %d failures in a row: %s", DefaultFailoverAttempts, f.relay())
	}
}

func TestFailover_OneOrNoRelayStays(t *testing.T) {
	one := newFailover([]string{"ws://a/ws"})
	for range 5 {
		if one.failed() || one.relay() != "ws://a/ws" {
			t.Fatal("a single relay has nowhere to move")
		}
	}
	if none := newFailover(nil); none.failed() || none.relay() != "" {
		t.Fatal("no relay: relay() must be empty")
	}
}

// dialRelay returns the relay URL of a dial, without the query.
func dialRelay(req *dialRequest) string {
	relay, _, _ := strings.Cut(req.url, "?")
	return relay
}

func TestClient_Failover_DialErrorsMoveToTheNextRelayAndResume(t *testing.T) {
	o := defaultOptions()
	o.Relays = []string{"ws://a.test/ws", "ws://b.test/ws"}
	h := start(t, o)

	req := h.transport.expectDial(t)
	if got := dialRelay(req); got != "ws://a.test/ws" {
		t.Fatalf("first dial to %s, want the first relay", got)
	}
	a := req.accept()
	a.welcome(t, wire.Welcome{})
	a.send(t, msg(41, "other", "m1", "calm-fox", "before"))
	v := h.waitView("online on a", func(v View) bool { return v.State == StateOnline && len(messageLines(v)) == 1 })
	if v.Relay != "ws://a.test/ws" {
		t.Errorf("View.Relay %q while on a", v.Relay)
	}

	// Relay a dies: the lost welcomed connection is not a failure of a, but
	// the next DefaultFailoverAttempts dials are.
	a.drop()
	for i := range DefaultFailoverAttempts {
		v := h.waitView("offline", func(v View) bool { return v.State == StateOffline })
		h.clock.Advance(v.RetryAt.Sub(h.clock.Now()))
		req := h.transport.expectDial(t)
		if got := dialRelay(req); got != "ws://a.test/ws" {
			t.Fatalf("retry %d went to %s before a failed %d times", i, got, DefaultFailoverAttempts)
		}
		req.refuse(errNetwork)
	}
	v = h.waitView("offline, next on b", func(v View) bool { return v.State == StateOffline && v.Relay == "ws://b.test/ws" })
	h.clock.Advance(v.RetryAt.Sub(h.clock.Now()))
	req = h.transport.expectDial(t)
	if want := "ws://b.test/ws?room=lobby&cid=me-cid&since=41&epoch=" + testEpoch; req.url != want {
		t.Fatalf("failover dial %q, want %q", req.url, want)
	}
	b := req.accept()
	b.welcome(t, wire.Welcome{Recovered: true})
	v = h.waitView("online on b", func(v View) bool { return v.State == StateOnline })
	if v.Relay != "ws://b.test/ws" || hasLine(v, LineGap, "some messages may be missing") {
		t.Fatalf("on b: relay %q, lines %q", v.Relay, texts(v.Lines))
	}

	// b works: one lost connection later the client comes back to b.
	b.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	if got := dialRelay(h.transport.expectDial(t)); got != "ws://b.test/ws" {
		t.Fatalf("after a welcomed connection on b the client dialled %s", got)
	}
}

func TestClient_Failover_NoWelcomeCountsAsFailureAndWrapsAround(t *testing.T) {
	o := defaultOptions()
	o.Relays = []string{"ws://a.test/ws", "ws://b.test/ws"}
	h := start(t, o)

	var visited []string
	for range 2 * DefaultFailoverAttempts {
		req := h.transport.expectDial(t)
		visited = append(visited, dialRelay(req))
		// The connection opens but the relay never says welcome: the pong
		// timeout declares it dead.
		relay := req.accept()
		h.clock.waitArmed(t, DefaultPongTimeout)
		h.clock.Advance(DefaultPongTimeout)
		relay.waitClosed(t)
		v := h.waitView("offline", func(v View) bool { return v.State == StateOffline })
		h.clock.Advance(v.RetryAt.Sub(h.clock.Now()))
	}
	visited = append(visited, dialRelay(h.transport.expectDial(t)))
	want := strings.Repeat("ws://a.test/ws ", DefaultFailoverAttempts) + strings.Repeat("ws://b.test/ws ", DefaultFailoverAttempts) + "ws://a.test/ws"
	if got := strings.Join(visited, " "); got != want {
		t.Fatalf("attempts went to %q, want %q", got, want)
	}
}

func TestClient_Failover_FinalRefusalDoesNotMove(t *testing.T) {
	o := defaultOptions()
	o.Relays = []string{"ws://a.test/ws", "ws://b.test/ws"}
	h := start(t, o)
	for range DefaultFailoverAttempts + 1 {
		req := h.transport.expectDial(t)
		if got := dialRelay(req); got != "ws://a.test/ws" {
			t.Fatalf("a final refusal moved the client to %s", got)
		}
		req.refuse(&DialError{Status: 401})
		h.waitView("denied", func(v View) bool { return v.State == StateDenied })
		h.clock.Advance(time.Hour)
		h.expectNoDial()
		h.client.RetryNow()
	}
}
