package relay

import (
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// TestServer_Dedup_ResendsOriginalToSenderOnly: a client that lost its
// connection before the echo resends with the same id after reconnecting;
// the relay does not publish twice and re-sends the original msg to it only.
func TestServer_Dedup_ResendsOriginalToSenderOnly(t *testing.T) {
	tr := startRelay(t, Config{})
	other := tr.dial(t, query("d", "other"))
	other.expect(wire.TypeWelcome)

	first := tr.dial(t, query("d", "alice"))
	firstConn := first.expect(wire.TypeWelcome).Conn
	other.expect(wire.TypeJoin)
	first.pub("once", "hello")
	original := first.expect(wire.TypeMsg)
	if m := other.expect(wire.TypeMsg); m.Seq != original.Seq {
		t.Fatalf("other got %+v", m)
	}
	first.close()
	other.expect(wire.TypeLeave)

	again := tr.dial(t, query("d", "alice", "since", "1"))
	again.expect(wire.TypeWelcome)
	other.expect(wire.TypeJoin)
	again.pub("once", "hello")
	resent := again.expect(wire.TypeMsg)
	if resent.Seq != original.Seq || resent.TS != original.TS || resent.Conn != firstConn || resent.ID != "once" {
		t.Fatalf("resent %+v, want the original %+v", resent, original)
	}
	other.quiet() // nothing was broadcast again

	// The same id from another cid is another message.
	other.pub("once", "mine")
	if m := other.expect(wire.TypeMsg); m.Seq != 2 || m.CID != "other" {
		t.Fatalf("msg = %+v", m)
	}
	if m := again.expect(wire.TypeMsg); m.Seq != 2 {
		t.Fatalf("msg = %+v", m)
	}
	again.quiet()
}

// TestServer_Dedup_ForgottenOutsideWindow: once the original has left the
// window, the same (cid, id) is a new publication.
func TestServer_Dedup_ForgottenOutsideWindow(t *testing.T) {
	tr := startRelay(t, Config{History: 1})
	c := tr.dial(t, query("d", "alice"))
	c.expect(wire.TypeWelcome)
	c.pub("a", 1)
	c.expect(wire.TypeMsg)
	c.pub("b", 2) // evicts "a"
	c.expect(wire.TypeMsg)
	c.pub("a", 3)
	if m := c.expect(wire.TypeMsg); m.Seq != 3 {
		t.Fatalf("msg = %+v, want a new seq", m)
	}
}
