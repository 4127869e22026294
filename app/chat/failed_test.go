package chat

import (
	"errors"
	"strings"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

func failedLine(v View) (Line, bool) {
	for _, l := range messageLines(v) {
		if l.Status == StatusFailed {
			return l, true
		}
	}
	return Line{}, false
}

// TestClient_Failed_OverMaxMessageIsSkippedAndPersisted: a message queued
// offline under the default limit is larger than the relay's max_message:
// it is never written (it would cost a 1009), it shows as failed with the
// numbers, later messages are delivered, and the mark survives a reload.
func TestClient_Failed_OverMaxMessageIsSkippedAndPersisted(t *testing.T) {
	h := start(t, defaultOptions())
	if err := h.client.Send(strings.Repeat("b", 2000)); err != nil {
		t.Fatal(err)
	}
	if err := h.client.Send("small after"); err != nil {
		t.Fatal(err)
	}
	relay, _ := h.connect(wire.Welcome{MaxMessage: 1024})
	pub := relay.nextOf(t, wire.TypePub)
	if _, text := decodeMessageData(pub.Data); text != "small after" {
		t.Fatalf("first pub is %.20q, want the small message", text)
	}
	relay.send(t, echo(t, 1, "me-cid", pub))
	v := h.waitView("small delivered, big failed", func(v View) bool {
		_, failed := failedLine(v)
		return failed && statusOf(v, "small after") == StatusDelivered
	})
	failed, _ := failedLine(v)
	if !strings.Contains(failed.Failure, "the limit is 1 KB") {
		t.Errorf("failure %q does not name the limit", failed.Failure)
	}

	reloaded := New(defaultOptions2(h.store))
	if l, ok := failedLine(reloaded.View()); !ok || l.Key != failed.Key || l.Failure != failed.Failure {
		t.Fatalf("after reload: %v", texts(reloaded.View().Lines))
	}

	if err := h.client.Delete(failed.Key); err != nil {
		t.Fatal(err)
	}
	if _, ok := failedLine(h.client.View()); ok {
		t.Fatal("Delete left the failed message")
	}
	if o := loadOutbox(h.store, "lobby"); len(o) != 0 {
		t.Fatalf("Delete left %d entries in the stored outbox", len(o))
	}
	if err := h.client.Delete(failed.Key); !errors.Is(err, ErrNoSuchMessage) {
		t.Fatalf("second Delete: %v", err)
	}
}

// statusOf is the status of my message with text; -1 when there is none.
func statusOf(v View, text string) Status {
	for _, l := range messageLines(v) {
		if l.Text == text {
			return l.Status
		}
	}
	return -1
}

func defaultOptions2(s Store) Options {
	o := defaultOptions()
	o.Store = s
	return o
}

// TestClient_Failed_Close1009MarksTheMessageNotTheOthers: a relay that did
// not say its limit closes with 1009. The largest unechoed message is marked
// failed, the next connection sends the rest and not it, and Retry sends it
// again with the same id.
func TestClient_Failed_Close1009MarksTheMessageNotTheOthers(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{})
	if err := h.client.Send(strings.Repeat("b", 3000)); err != nil {
		t.Fatal(err)
	}
	big := relay.nextOf(t, wire.TypePub)
	if err := h.client.Send("after the big one"); err != nil {
		t.Fatal(err)
	}
	relay.nextOf(t, wire.TypePub)
	relay.closeWith(1009)
	v := h.waitView("failed", func(v View) bool { _, ok := failedLine(v); return ok })
	failed, _ := failedLine(v)
	if failed.Key != "me-cid/"+big.ID || failed.Failure != failedTooBigClose {
		t.Fatalf("failed line %+v, want the big one", failed)
	}

	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	relay, _ = h.connect(wire.Welcome{})
	pub := relay.nextOf(t, wire.TypePub)
	if _, text := decodeMessageData(pub.Data); text != "after the big one" {
		t.Fatalf("resent %.20q, want only the later message", text)
	}
	relay.send(t, echo(t, 1, "me-cid", pub))
	h.waitView("later delivered", func(v View) bool { return statusOf(v, "after the big one") == StatusDelivered })

	if err := h.client.Retry(failed.Key); err != nil {
		t.Fatal(err)
	}
	if again := relay.nextOf(t, wire.TypePub); again.ID != big.ID {
		t.Fatalf("Retry sent %q, want %q", again.ID, big.ID)
	}
}

// TestClient_Failed_BadFrameErrorMarksFailedWithReason: an error frame with a
// code other than rate_limited/unavailable is final for that message, which
// stays visible as failed with the relay's reason until Retry or Delete.
func TestClient_Failed_BadFrameErrorMarksFailedWithReason(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{})
	if err := h.client.Send("odd"); err != nil {
		t.Fatal(err)
	}
	pub := relay.nextOf(t, wire.TypePub)
	relay.send(t, wire.Error{Type: wire.TypeError, Code: wire.CodeBadFrame, ID: pub.ID, Text: "bad"})
	v := h.waitView("failed", func(v View) bool { _, ok := failedLine(v); return ok })
	if l, _ := failedLine(v); l.Text != "odd" || l.Failure != "the relay refused it: bad_frame (bad)" {
		t.Fatalf("failed line %+v", l)
	}
	if err := h.client.Send("next"); err != nil {
		t.Fatal(err)
	}
	if next := relay.nextOf(t, wire.TypePub); next.ID == pub.ID {
		t.Fatal("the failed message was resent by itself")
	}
}
