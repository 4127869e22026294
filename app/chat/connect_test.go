package chat

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

var errNetwork = errors.New("connection refused")

func TestBackoffDelay_FullJitterBounds(t *testing.T) {
	for attempt := range 40 {
		bound := min(DefaultBackoffCap, DefaultBackoffBase*time.Duration(1<<min(attempt, 20)))
		for _, r := range []float64{0, 0.25, 0.5, 0.999999} {
			got := backoffDelay(attempt, func() float64 { return r })
			want := time.Duration(r * float64(bound))
			if got != want || got < 0 || got > bound {
				t.Fatalf("attempt %d rand %v: delay %v, want %v (bound %v)", attempt, r, got, want, bound)
			}
		}
	}
	if got := backoffDelay(0, func() float64 { return 1.5 }); got != 0 {
		t.Errorf("out-of-range rand must not exceed the bound, got %v", got)
	}
}

func TestClient_Backoff_ScheduleDoublesToCapAndResets(t *testing.T) {
	o := defaultOptions()
	o.Rand = func() float64 { return 0.999 }
	h := start(t, o)

	h.transport.expectDial(t).refuse(errNetwork)
	want := []time.Duration{500, 1000, 2000, 4000, 8000, 16000, 30000, 30000}
	for i, boundMS := range want {
		v := h.waitView("offline", func(v View) bool { return v.State == StateOffline })
		delay := v.RetryAt.Sub(h.clock.Now())
		if wantDelay := time.Duration(0.999 * float64(boundMS*time.Millisecond)); delay != wantDelay {
			t.Fatalf("retry %d: delay %v, want %v", i, delay, wantDelay)
		}
		if v.Detail != "cannot reach the relay" {
			t.Errorf("detail %q", v.Detail)
		}
		h.clock.Advance(delay - time.Millisecond)
		if v := h.client.View(); v.State != StateOffline {
			t.Fatalf("retry %d: left offline before the delay: %v", i, v.State)
		}
		h.clock.Advance(time.Millisecond)
		req := h.transport.expectDial(t)
		if i < len(want)-1 {
			req.refuse(errNetwork)
			continue
		}
		relay := req.accept()
		relay.welcome(t, wire.Welcome{})
		h.waitView("online", func(v View) bool { return v.State == StateOnline })
		h.keepUp(relay, DefaultStableLink, 1)
		relay.drop()
	}
	// A link that stayed up DefaultStableLink resets the schedule: the next
	// delay is back to the base.
	v := h.waitView("offline after drop", func(v View) bool { return v.State == StateOffline })
	if delay := v.RetryAt.Sub(h.clock.Now()); delay != time.Duration(0.999*float64(DefaultBackoffBase)) {
		t.Fatalf("after a welcome the delay is %v, want the base", delay)
	}
	if v.Detail != "connection lost" {
		t.Errorf("detail %q", v.Detail)
	}
}

// TestClient_Backoff_ShortLinkDoesNotReset: a relay that welcomes and drops
// at once must not be redialled at the base delay every time; the schedule
// goes on doubling until a link stays up DefaultStableLink.
func TestClient_Backoff_ShortLinkDoesNotReset(t *testing.T) {
	o := defaultOptions()
	o.Rand = func() float64 { return 0.999 }
	h := start(t, o)
	delay := func(what string) time.Duration {
		t.Helper()
		v := h.waitView(what, func(v View) bool { return v.State == StateOffline })
		return v.RetryAt.Sub(h.clock.Now())
	}
	jitter := func(bound time.Duration) time.Duration { return time.Duration(0.999 * float64(bound)) }

	relay, _ := h.connect(wire.Welcome{})
	relay.drop()
	for i, bound := range []time.Duration{DefaultBackoffBase, 2 * DefaultBackoffBase, 4 * DefaultBackoffBase} {
		d := delay("offline after a short link")
		if d != jitter(bound) {
			t.Fatalf("drop %d: delay %v, want %v", i, d, jitter(bound))
		}
		h.clock.Advance(d)
		relay, _ = h.connect(wire.Welcome{})
		if i < 2 {
			h.keepUp(relay, DefaultStableLink-DefaultPingInterval, uint64(10*i+1)) // 15 s: not stable yet
			relay.drop()
		}
	}
	h.keepUp(relay, DefaultStableLink, 100)
	relay.drop()
	if d := delay("offline after a stable link"); d != jitter(DefaultBackoffBase) {
		t.Fatalf("after %v up the delay is %v, want the base", DefaultStableLink, d)
	}
}

func TestClient_StateNames(t *testing.T) {
	if h := start(t, defaultOptions()); h.client.View().State.String() != "connecting" {
		t.Errorf("a new client is %v", h.client.View().State)
	}
	names := map[ConnState]string{StateConnecting: "connecting", StateOnline: "online", StateOffline: "offline",
		StateReconnecting: "reconnecting", StateDenied: "denied", StateInvalid: "invalid"}
	for s, name := range names {
		if s.String() != name {
			t.Errorf("%d: %q, want %q", s, s.String(), name)
		}
	}
	for s, name := range map[Status]string{StatusPending: "pending", StatusSent: "sent", StatusDelivered: "delivered"} {
		if s.String() != name {
			t.Errorf("%d: %q, want %q", s, s.String(), name)
		}
	}
}

func TestClient_Reconnect_StateIsReconnectingAfterFirstConnection(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{})
	relay.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	req := h.transport.expectDial(t)
	h.waitView("reconnecting", func(v View) bool { return v.State == StateReconnecting })
	req.refuse(errNetwork)
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
}

func TestClient_RetryNow_SkipsTheWait(t *testing.T) {
	h := start(t, defaultOptions())
	h.transport.expectDial(t).refuse(errNetwork)
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow() // no clock advance at all
	h.transport.expectDial(t).accept().welcome(t, wire.Welcome{})
	h.waitView("online", func(v View) bool { return v.State == StateOnline })
	h.client.RetryNow() // online: nothing to skip
	if v := h.client.View(); v.State != StateOnline {
		t.Fatalf("RetryNow while online changed the state to %v", v.State)
	}
}

func TestClient_Refused_DeniedAndInvalidStopRetrying(t *testing.T) {
	cases := []struct {
		status int
		state  ConnState
		detail string
	}{
		{401, StateDenied, "access denied: the invite is invalid or expired"},
		{403, StateDenied, "access denied: the relay does not accept connections from this site"},
		{400, StateInvalid, "the relay refused this room name or client id: bad room"},
	}
	for _, tc := range cases {
		t.Run(tc.state.String()+"-"+time.Duration(tc.status).String(), func(t *testing.T) {
			h := start(t, defaultOptions())
			h.transport.expectDial(t).refuse(&DialError{Status: tc.status, Reason: "bad room"})
			v := h.waitView(tc.state.String(), func(v View) bool { return v.State == tc.state })
			if v.Detail != tc.detail {
				t.Errorf("detail %q, want %q", v.Detail, tc.detail)
			}
			if !v.RetryAt.IsZero() {
				t.Errorf("RetryAt %v: no retry is scheduled", v.RetryAt)
			}
			h.clock.Advance(time.Hour)
			h.expectNoDial()

			// RetryNow tries exactly once and falls back to the same state.
			h.client.RetryNow()
			h.transport.expectDial(t).refuse(&DialError{Status: tc.status})
			h.waitView("refused again", func(v View) bool { return v.State == tc.state })
			h.clock.Advance(time.Hour)
			h.expectNoDial()
		})
	}
}

func TestClient_Refused_503BacksOff(t *testing.T) {
	h := start(t, defaultOptions())
	h.transport.expectDial(t).refuse(&DialError{Status: 503, Reason: "full"})
	v := h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	if v.Detail != "the relay is busy" {
		t.Errorf("detail %q", v.Detail)
	}
	h.clock.Advance(v.RetryAt.Sub(h.clock.Now()))
	h.transport.expectDial(t)
}

// TestClient_Refused_429BacksOff: the relay's per-address limits are
// transient: retry with backoff, and say why.
func TestClient_Refused_429BacksOff(t *testing.T) {
	h := start(t, defaultOptions())
	h.transport.expectDial(t).refuse(&DialError{Status: 429, Reason: "too many handshakes"})
	v := h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	if v.Detail != "too many connections from this network" {
		t.Errorf("detail %q", v.Detail)
	}
	h.clock.Advance(v.RetryAt.Sub(h.clock.Now()))
	h.transport.expectDial(t)
}

func TestClient_Keepalive_PingEveryIntervalAndTimeoutReconnects(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{})
	relay.nextOf(t, wire.TypeMeta)

	h.clock.Advance(DefaultPingInterval)
	if f := relay.next(t); f.Type != wire.TypePing {
		t.Fatalf("expected a ping, got %+v", f)
	}
	relay.send(t, wire.Pong{Type: wire.TypePong})
	h.waitView("pong handled", func(View) bool {
		h.client.mu.Lock()
		defer h.client.mu.Unlock()
		return h.client.sess != nil && !h.client.sess.awaiting
	})
	h.clock.Advance(DefaultPongTimeout)
	if v := h.client.View(); v.State != StateOnline {
		t.Fatalf("answered ping: state %v", v.State)
	}

	h.clock.Advance(DefaultPingInterval - DefaultPongTimeout)
	if f := relay.next(t); f.Type != wire.TypePing {
		t.Fatalf("expected the second ping, got %+v", f)
	}
	h.clock.Advance(DefaultPongTimeout) // no answer: the link is dead
	relay.waitClosed(t)
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	h.transport.expectDial(t)
}

func TestClient_Keepalive_NoWelcomeIsADeadLink(t *testing.T) {
	h := start(t, defaultOptions())
	relay := h.transport.expectDial(t).accept()
	h.clock.waitArmed(t, DefaultPongTimeout)
	h.clock.Advance(DefaultPongTimeout)
	relay.waitClosed(t)
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
}

func TestClient_DialURL_SinceAndToken(t *testing.T) {
	o := defaultOptions()
	o.Token = "a.b c&d"
	h := start(t, o)
	req := h.transport.expectDial(t)
	if want := "ws://relay.test/ws?room=lobby&cid=me-cid&since=0&token=a.b+c%26d"; req.url != want {
		t.Fatalf("first URL %q, want %q", req.url, want)
	}
	relay := req.accept()
	relay.welcome(t, wire.Welcome{Seq: 0})
	relay.send(t, msg(6, "other", "m1", "calm-fox", "hi"), msg(7, "other", "m2", "calm-fox", "there"))
	h.waitView("two messages", func(v View) bool { return len(messageLines(v)) == 2 })
	relay.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	// since= is the last seq, named by the welcome's epoch (see resume.go).
	if req := h.transport.expectDial(t); !strings.HasSuffix(req.url, "&since=7&epoch="+testEpoch+"&token=a.b+c%26d") {
		t.Fatalf("reconnect URL %q lacks since=7&epoch=%s before the token", req.url, testEpoch)
	}
}

func TestClient_Run_ClosesWithCloseOnCancel(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{})
	h.stop()
	relay.waitClosed(t)
	relay.conn.mu.Lock()
	closes := relay.conn.closes
	relay.conn.mu.Unlock()
	if closes != 1 {
		t.Fatalf("Close called %d times", closes)
	}
}
