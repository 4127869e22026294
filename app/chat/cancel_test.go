package chat

import (
	"errors"
	"slices"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

func lineKey(t *testing.T, v View, text string) string {
	t.Helper()
	i := slices.IndexFunc(v.Lines, func(l Line) bool { return l.Text == text })
	if i < 0 {
		t.Fatalf("no line %q in %q", text, texts(v.Lines))
	}
	return v.Lines[i].Key
}

// A message queued offline can be taken back: it is never written, leaves
// the stored outbox, and the next one goes out. One written to the relay
// cannot be.
func TestClient_Cancel_QueuedMessageNeverSent(t *testing.T) {
	h := start(t, defaultOptions())
	for _, text := range []string{"oops, not this", "this one"} {
		if err := h.client.Send(text); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.client.Cancel(lineKey(t, h.client.View(), "oops, not this")); err != nil {
		t.Fatal(err)
	}
	if o := loadOutbox(h.store, "lobby"); len(o) != 1 || o[0].Text != "this one" {
		t.Fatalf("stored outbox after cancel: %+v", o)
	}
	if n := countLines(h.client.View(), LineMessage, "oops, not this"); n != 0 {
		t.Fatalf("the cancelled message still shows")
	}

	relay, _ := h.connect(wire.Welcome{})
	pub := relay.nextOf(t, wire.TypePub)
	if _, text := decodeMessageData(pub.Data); text != "this one" {
		t.Fatalf("first pub is %q, want the one not cancelled", text)
	}
	if err := h.client.Cancel(lineKey(t, h.client.View(), "this one")); !errors.Is(err, ErrAlreadySent) {
		t.Fatalf("cancel of a written message: %v", err)
	}
	relay.send(t, echo(t, 1, "me-cid", pub))
	h.waitView("delivered", func(v View) bool { return statusOf(v, "this one") == StatusDelivered })
	if err := h.client.Cancel(lineKey(t, h.client.View(), "this one")); !errors.Is(err, ErrNoSuchMessage) {
		t.Fatalf("cancel of a delivered message: %v", err)
	}
}
