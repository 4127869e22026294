package chat

import (
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// TestClient_LineEpoch: a live message's line names the seq epoch it was
// received in, so that the UI can tell seq 1 after a relay restart from the
// seq 1 of before.
func TestClient_LineEpoch(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{Epoch: "epoch-1"})
	relay.send(t, msg(7, "other", "m7", "calm-fox", "before"))
	h.waitView("one", func(v View) bool { return len(messageLines(v)) == 1 })
	relay.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	relay = h.transport.expectDial(t).accept()
	relay.welcome(t, wire.Welcome{Epoch: "epoch-2"})
	relay.send(t, msg(1, "other", "m1", "calm-fox", "after"))
	v := h.waitView("two", func(v View) bool { return len(messageLines(v)) == 2 })
	lines := messageLines(v)
	if lines[0].Epoch != "epoch-1" || lines[0].Seq != 7 || lines[1].Epoch != "epoch-2" || lines[1].Seq != 1 {
		t.Fatalf("lines %+v", lines)
	}
}
