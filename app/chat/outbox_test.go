package chat

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

func TestClient_Send_PendingThenSentThenDelivered(t *testing.T) {
	h := start(t, defaultOptions())
	if err := h.client.Send("  hello  "); err != nil {
		t.Fatal(err)
	}
	v := h.client.View()
	lines := messageLines(v)
	if len(lines) != 1 || lines[0].Text != "hello" || lines[0].Status != StatusPending || !lines[0].Mine || lines[0].Nick != "brave-otter" {
		t.Fatalf("pending line %+v", lines)
	}
	key := lines[0].Key
	if _, ok := h.store.Get(outboxKey("lobby")); !ok {
		t.Fatal("the outbox is not persisted")
	}

	relay, _ := h.connect(wire.Welcome{})
	pub := relay.nextOf(t, wire.TypePub)
	if !strings.HasPrefix(key, "me-cid/") || key != "me-cid/"+pub.ID || !wire.ValidID(pub.ID) {
		t.Fatalf("key %q, pub id %q", key, pub.ID)
	}
	if string(pub.Data) != `{"nick":"brave-otter","text":"hello"}` {
		t.Fatalf("pub data %s", pub.Data)
	}
	h.waitView("sent", func(v View) bool { return len(messageLines(v)) == 1 && messageLines(v)[0].Status == StatusSent })

	relay.send(t, echo(t, 1, "me-cid", pub))
	v = h.waitView("delivered", func(v View) bool { return len(messageLines(v)) == 1 && messageLines(v)[0].Status == StatusDelivered })
	if l := messageLines(v)[0]; l.Key != key || l.Seq != 1 || !l.Mine {
		t.Fatalf("delivered line %+v", l)
	}
	if _, ok := h.store.Get(outboxKey("lobby")); ok {
		t.Fatal("a delivered message is still in the persisted outbox")
	}
}

func TestClient_Outbox_InOrderResentOnReconnectDeliveredOnce(t *testing.T) {
	h := start(t, defaultOptions())
	for _, text := range []string{"one", "two", "three"} {
		if err := h.client.Send(text); err != nil {
			t.Fatal(err)
		}
	}
	relay, _ := h.connect(wire.Welcome{})
	var pubs []wire.ClientFrame
	for range 3 {
		pubs = append(pubs, relay.nextOf(t, wire.TypePub))
	}
	for i, want := range []string{"one", "two", "three"} {
		if _, text := decodeMessageData(pubs[i].Data); text != want {
			t.Fatalf("pub %d is %q, want %q", i, text, want)
		}
	}
	relay.send(t, echo(t, 1, "me-cid", pubs[0]))
	h.waitView("one delivered", func(v View) bool { return messageLines(v)[0].Status == StatusDelivered })

	relay.drop()
	h.waitView("offline, rest pending", func(v View) bool {
		l := messageLines(v)
		return v.State == StateOffline && l[1].Status == StatusPending && l[2].Status == StatusPending
	})
	h.client.RetryNow()
	relay, _ = h.connect(wire.Welcome{Seq: 1, Recovered: true})
	again := []wire.ClientFrame{relay.nextOf(t, wire.TypePub), relay.nextOf(t, wire.TypePub)}
	if again[0].ID != pubs[1].ID || again[1].ID != pubs[2].ID {
		t.Fatalf("resent ids %q %q, want %q %q", again[0].ID, again[1].ID, pubs[1].ID, pubs[2].ID)
	}
	// The relay had accepted "two" before the drop: it re-sends the original
	// msg to me only; "one" also arrives twice (replay overlap).
	relay.send(t, echo(t, 2, "me-cid", pubs[1]), echo(t, 1, "me-cid", pubs[0]), echo(t, 2, "me-cid", pubs[1]), echo(t, 3, "me-cid", pubs[2]))
	v := h.waitView("all delivered", func(v View) bool {
		l := messageLines(v)
		return len(l) == 3 && l[2].Status == StatusDelivered
	})
	got := texts(messageLines(v))
	if strings.Join(got, "|") != "brave-otter: one [delivered]|brave-otter: two [delivered]|brave-otter: three [delivered]" {
		t.Fatalf("lines %v", got)
	}
}

func TestClient_Outbox_SurvivesReload(t *testing.T) {
	store := NewMemoryStore()
	o := defaultOptions()
	o.Store = store
	first := New(o)
	if err := first.Send("written offline"); err != nil {
		t.Fatal(err)
	}
	key := messageLines(first.View())[0].Key

	h := newHarness(t, o) // a reload: a new Client on the same store
	v := h.client.View()
	if l := messageLines(v); len(l) != 1 || l[0].Key != key || l[0].Status != StatusPending || l[0].Text != "written offline" {
		t.Fatalf("after reload: %+v", l)
	}
	h.run()
	relay, _ := h.connect(wire.Welcome{})
	pub := relay.nextOf(t, wire.TypePub)
	if "me-cid/"+pub.ID != key {
		t.Fatalf("resent with id %q, want key %q", pub.ID, key)
	}
	relay.send(t, echo(t, 1, "me-cid", pub))
	h.waitView("delivered", func(v View) bool { return messageLines(v)[0].Status == StatusDelivered })
}

func TestClient_Outbox_RateLimitedKeptAndResentLater(t *testing.T) {
	for _, code := range []string{wire.CodeRateLimited, wire.CodeUnavailable} {
		t.Run(code, func(t *testing.T) {
			h := start(t, defaultOptions())
			relay, _ := h.connect(wire.Welcome{})
			if err := h.client.Send("slow down"); err != nil {
				t.Fatal(err)
			}
			pub := relay.nextOf(t, wire.TypePub)
			h.waitView("sent", func(v View) bool { return messageLines(v)[0].Status == StatusSent })
			relay.send(t, wire.Error{Type: wire.TypeError, Code: code, ID: pub.ID, Text: "later"})
			h.waitView("pending again", func(v View) bool { return messageLines(v)[0].Status == StatusPending })
			h.clock.Advance(DefaultResendDelay)
			again := relay.nextOf(t, wire.TypePub)
			if again.ID != pub.ID {
				t.Fatalf("resent id %q, want %q", again.ID, pub.ID)
			}
			relay.send(t, echo(t, 1, "me-cid", again))
			h.waitView("delivered", func(v View) bool { return messageLines(v)[0].Status == StatusDelivered })
		})
	}
}

// The broker of relay a is down (unavailable); before the hold ends the
// connection is replaced (the client failed over to relay b). The message
// is never shown as failed and the new connection sends it when the hold
// ends, without waiting for anything else to wake its writer.
func TestClient_Outbox_UnavailableResentOnTheNextConnection(t *testing.T) {
	o := defaultOptions()
	o.Relays = []string{"ws://a.test/ws", "ws://b.test/ws"}
	h := start(t, o)
	a, _ := h.connect(wire.Welcome{})
	if err := h.client.Send("through the outage"); err != nil {
		t.Fatal(err)
	}
	pub := a.nextOf(t, wire.TypePub)
	a.send(t, wire.Error{Type: wire.TypeError, Code: wire.CodeUnavailable, ID: pub.ID, Text: "broker down"})
	h.waitView("pending again", func(v View) bool { return messageLines(v)[0].Status == StatusPending })
	a.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()

	b, _ := h.connect(wire.Welcome{})
	b.nextOf(t, wire.TypeMeta)
	h.clock.Advance(DefaultResendDelay)
	again := b.nextOf(t, wire.TypePub)
	if again.ID != pub.ID {
		t.Fatalf("resent id %q, want %q", again.ID, pub.ID)
	}
	b.send(t, echo(t, 1, "me-cid", again))
	v := h.waitView("delivered", func(v View) bool { return messageLines(v)[0].Status == StatusDelivered })
	if slices.ContainsFunc(v.Lines, func(l Line) bool { return l.Status == StatusFailed }) {
		t.Fatalf("an unavailable relay made the message fail: %q", texts(v.Lines))
	}
}

func TestClient_Send_EmptyAndTooLong(t *testing.T) {
	h := start(t, defaultOptions())
	if err := h.client.Send(" \n\t "); !errors.Is(err, ErrEmpty) {
		t.Fatalf("blank text: %v", err)
	}
	err := h.client.Send(strings.Repeat("x", 100<<10))
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("100 KB: %v", err)
	}
	if want := "message is too long: 100.1 KB, the limit is 64 KB"; err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	if v := h.client.View(); len(v.Lines) != 0 || v.MaxText <= 60<<10 || v.MaxText >= DefaultMaxMessage {
		t.Fatalf("lines %v, MaxText %d", v.Lines, v.MaxText)
	}

	// The welcome's max_message replaces the default.
	h.connect(wire.Welcome{MaxMessage: 1000})
	v := h.client.View()
	if v.MaxText <= 900 || v.MaxText >= 1000 {
		t.Fatalf("MaxText %d for max_message 1000", v.MaxText)
	}
	if err := h.client.Send(strings.Repeat("y", v.MaxText)); err != nil {
		t.Fatalf("MaxText bytes refused: %v", err)
	}
	if err := h.client.Send(strings.Repeat("y", 1000)); !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "the limit is 1000 bytes") {
		t.Fatalf("over max_message: %v", err)
	}
}

func TestNewMessageID_UniqueAndValid(t *testing.T) {
	seen := map[string]bool{}
	for i := range 1000 {
		id := newMessageID(1_740_000_000_000, uint64(i), func() float64 { return 0.999 })
		if !wire.ValidID(id) || seen[id] {
			t.Fatalf("id %q valid=%v duplicate=%v", id, wire.ValidID(id), seen[id])
		}
		seen[id] = true
	}
}
