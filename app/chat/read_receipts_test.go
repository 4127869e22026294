package chat

import (
	"encoding/json"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// signalsOn answers the client's signal probe: the relay relays signals.
func signalsOn(t *testing.T, h *harness, relay *fakeRelay) {
	t.Helper()
	if probe := relay.nextOf(t, wire.TypeSub); probe.Room != "lobby" {
		t.Fatalf("probe %+v", probe)
	}
	relay.send(t, wire.ServerFrame{Type: wire.TypeError, Code: wire.CodeAlreadySubscribed, Room: "lobby"},
		wire.Join{Type: wire.TypeJoin, Peer: peer("c-probe-done", "probe-cid", "Probe", "")})
	h.waitView("the probe answered", func(v View) bool { return hasLine(v, LineSystem, "Probe joined") })
}

// readMessage delivers a message from someone else and reads it.
func readMessage(t *testing.T, h *harness, relay *fakeRelay, seq uint64, id string) {
	t.Helper()
	relay.send(t, msg(seq, "other", id, "calm-fox", id))
	h.waitView(id, func(v View) bool { return hasLine(v, LineMessage, id) })
	h.client.MarkRead()
}

// nextRead returns the next read signal the client wrote, failing on a pub
// or another signal before it.
func nextRead(t *testing.T, relay *fakeRelay) string {
	t.Helper()
	for {
		f := relay.next(t)
		switch f.Type {
		case wire.TypeSignal:
			return string(f.Data)
		case wire.TypePub:
			t.Fatalf("a pub before the read signal")
		}
	}
}

// expectNoSignalBeforePub sends a message and checks that the client wrote
// no signal before its pub.
func expectNoSignalBeforePub(t *testing.T, h *harness, relay *fakeRelay) {
	t.Helper()
	if err := h.client.Send("marker"); err != nil {
		t.Fatal(err)
	}
	for {
		f := relay.next(t)
		switch f.Type {
		case wire.TypeSignal:
			t.Fatalf("the client sent the signal %s", f.Data)
		case wire.TypePub:
			return
		}
	}
}

// TestClient_ReadSignals_Coalesced: a moved mark is said at once, then at
// most once per ReadSignalInterval, with the latest mark; an unmoved one is
// not said again.
func TestClient_ReadSignals_Coalesced(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{Room: "lobby"})
	signalsOn(t, h, relay)

	readMessage(t, h, relay, 1, "m1")
	if got, want := nextRead(t, relay), `{"read":{"seq":1,"epoch":"epoch-1"}}`; got != want {
		t.Fatalf("read signal %s, want %s", got, want)
	}
	readMessage(t, h, relay, 2, "m2")
	readMessage(t, h, relay, 3, "m3")
	h.client.MarkRead()
	h.clock.Advance(ReadSignalInterval)
	if got, want := nextRead(t, relay), `{"read":{"seq":3,"epoch":"epoch-1"}}`; got != want {
		t.Fatalf("coalesced read signal %s, want %s (and none for seq 2)", got, want)
	}
	h.clock.Advance(ReadSignalInterval)
	h.client.MarkRead()
	expectNoSignalBeforePub(t, h, relay)
}

// TestClient_ReadSignals_ResentOnJoinAndWelcome: a newcomer learns how far
// I read, and so does the room after I reconnect.
func TestClient_ReadSignals_ResentOnJoinAndWelcome(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{Room: "lobby"})
	signalsOn(t, h, relay)
	readMessage(t, h, relay, 1, "m1")
	want := `{"read":{"seq":1,"epoch":"epoch-1"}}`
	if got := nextRead(t, relay); got != want {
		t.Fatalf("read signal %s", got)
	}
	h.clock.Advance(ReadSignalInterval)
	relay.send(t, wire.Join{Type: wire.TypeJoin, Peer: peer("c-bob", "bob-cid", "Bob", "")})
	if got := nextRead(t, relay); got != want {
		t.Fatalf("after a join: %s, want %s again", got, want)
	}

	relay.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	relay = h.transport.expectDial(t).accept()
	relay.welcome(t, wire.Welcome{Room: "lobby"})
	h.waitView("online", func(v View) bool { return v.State == StateOnline })
	relay.nextOf(t, wire.TypeSub)
	relay.send(t, wire.ServerFrame{Type: wire.TypeError, Code: wire.CodeAlreadySubscribed, Room: "lobby"})
	h.clock.Advance(ReadSignalInterval)
	if got := nextRead(t, relay); got != want {
		t.Fatalf("after a new welcome: %s, want %s again", got, want)
	}
}

// TestClient_ReadSignals_NotWhenThePersonSaysNo: with the pref off nothing
// is said; switched on (StoreChanged(PrefsKey)), the mark is said at once.
func TestClient_ReadSignals_NotWhenThePersonSaysNo(t *testing.T) {
	o := defaultOptions()
	o.Store = NewMemoryStore()
	p := LoadPrefs(o.Store, nil)
	p.NoReadReceipts = true
	if err := p.Save(o.Store); err != nil {
		t.Fatal(err)
	}
	h := start(t, o)
	relay, _ := h.connect(wire.Welcome{Room: "lobby"})
	signalsOn(t, h, relay)
	readMessage(t, h, relay, 1, "m1")
	relay.send(t, wire.Join{Type: wire.TypeJoin, Peer: peer("c-bob", "bob-cid", "Bob", "")})
	h.waitView("Bob", func(v View) bool { return hasLine(v, LineSystem, "Bob joined") })
	expectNoSignalBeforePub(t, h, relay)

	if _, err := UpdatePrefs(o.Store, func(p *Prefs) { p.NoReadReceipts = false }, nil); err != nil {
		t.Fatal(err)
	}
	h.client.StoreChanged(PrefsKey)
	if got, want := nextRead(t, relay), `{"read":{"seq":1,"epoch":"epoch-1"}}`; got != want {
		t.Fatalf("read signal %s, want %s", got, want)
	}
}

// TestClient_ReadSignals_NotWithoutSignals: a relay without signals gets
// none (each would cost a strike).
func TestClient_ReadSignals_NotWithoutSignals(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{Room: "lobby"})
	relay.nextOf(t, wire.TypeSub)
	relay.send(t, wire.ServerFrame{Type: wire.TypeError, Code: wire.CodeBadFrame, Text: `unknown type "sub"`})
	readMessage(t, h, relay, 1, "m1")
	relay.send(t, wire.Join{Type: wire.TypeJoin, Peer: peer("c-bob", "bob-cid", "Bob", "")})
	h.waitView("Bob", func(v View) bool { return hasLine(v, LineSystem, "Bob joined") })
	expectNoSignalBeforePub(t, h, relay)
}

// TestClient_SeenBy_DistinctPeopleInTheEpoch: my delivered messages count
// the other people (by cid: two tabs are one person) whose receipt in the
// current epoch reaches them; my own tabs, receipts of another epoch and of
// another shape do not count, and a new epoch starts from none.
func TestClient_SeenBy_DistinctPeopleInTheEpoch(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{Room: "lobby"})
	for _, text := range []string{"first", "second"} {
		if err := h.client.Send(text); err != nil {
			t.Fatal(err)
		}
	}
	first, second := relay.nextOf(t, wire.TypePub), relay.nextOf(t, wire.TypePub)
	relay.send(t, echo(t, 3, "me-cid", first), msg(4, "ada-cid", "a1", "Ada", "hi"), echo(t, 5, "me-cid", second))
	h.waitView("both delivered", func(v View) bool {
		ls := messageLines(v)
		return len(ls) == 3 && ls[2].Status == StatusDelivered
	})
	read := func(conn, cid string, seq uint64, epoch string) wire.ServerFrame {
		data, _ := json.Marshal(readData{Read: readPoint{Seq: seq, Epoch: epoch}})
		return wire.ServerFrame{Type: wire.TypeSignal, Conn: conn, CID: cid, Data: data}
	}
	relay.send(t,
		read("c-ada", "ada-cid", 5, "epoch-1"),
		read("c-ada2", "ada-cid", 3, "epoch-1"), // Ada's other tab, behind
		read("c-bob", "bob-cid", 4, "epoch-1"),
		read("c-me2", "me-cid", 5, "epoch-1"), // my other tab
		read("c-cy", "cy-cid", 9, "epoch-0"),  // another seq space
		wire.ServerFrame{Type: wire.TypeSignal, Conn: "c-dee", CID: "dee-cid", Data: json.RawMessage(`{"read":5}`)},
	)
	seen := func(v View) (firstBy, secondBy, ada int) {
		for _, l := range messageLines(v) {
			switch l.Text {
			case "first":
				firstBy = l.SeenBy
			case "second":
				secondBy = l.SeenBy
			case "hi":
				ada = l.SeenBy
			}
		}
		return
	}
	v := h.waitView("receipts", func(v View) bool { f, s, _ := seen(v); return f == 2 && s == 1 })
	if _, _, ada := seen(v); ada != 0 {
		t.Errorf("someone else's message seen by %d, want 0 (only mine count)", ada)
	}
	relay.send(t, read("c-bob", "bob-cid", 5, "epoch-1"), read("c-bob", "bob-cid", 2, "epoch-1"))
	h.waitView("Bob read on", func(v View) bool { f, s, _ := seen(v); return f == 2 && s == 2 })

	relay.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	relay = h.transport.expectDial(t).accept()
	relay.welcome(t, wire.Welcome{Epoch: "epoch-2"})
	v = h.waitView("online", func(v View) bool { return v.State == StateOnline })
	if f, s, _ := seen(v); f != 0 || s != 0 {
		t.Fatalf("in a new epoch, seen by %d and %d, want none", f, s)
	}
}

// TestReaders_SeenBy: the sorted seqs follow each person's highest.
func TestReaders_SeenBy(t *testing.T) {
	var r readers
	r.reset("e")
	for _, x := range []struct {
		person string
		seq    uint64
		news   bool
	}{{"a", 5, true}, {"b", 3, true}, {"a", 4, false}, {"c", 7, true}, {"b", 6, true}} {
		if got := r.read(x.person, x.seq); got != x.news {
			t.Errorf("read(%s, %d) = %v", x.person, x.seq, got)
		}
	}
	for seq, want := range map[uint64]int{1: 3, 5: 3, 6: 2, 7: 1, 8: 0} {
		if got := r.seenBy(seq); got != want {
			t.Errorf("seenBy(%d) = %d, want %d", seq, got, want)
		}
	}
}
