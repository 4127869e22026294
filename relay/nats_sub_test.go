package relay

import (
	"fmt"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// TestNATS_Sub_ThreeRoomsRecoveryDedupOrder: over NATS, one connection in
// three rooms gets each room's recovery, dedup and order as separate
// connections would, with publishers on another relay; its unsub is a
// leave there.
func TestNATS_Sub_ThreeRoomsRecoveryDedupOrder(t *testing.T) {
	n := startNATS(t)
	cfg := Config{Queue: 1024, Rate: 1000, Burst: 1000} // no limit is under test
	r1, r2 := startNATSRelay(t, n, cfg), startNATSRelay(t, n, cfg)
	for _, room := range []string{"a", "b", "c"} {
		fillRoom(t, r2, room, 5)
	}

	x := r1.dial(t, query("a", "xavier", "since", "4"))
	if w := x.expect(wire.TypeWelcome); w.Seq != 5 || !w.Recovered {
		t.Fatalf("welcome of a %+v", w)
	}
	x.expect(wire.TypeMsg)
	x.send(subFrame("b", 0, "", ""))
	if w := x.expectIn("b", wire.TypeWelcome); w.Seq != 5 || !w.Recovered {
		t.Fatalf("welcome of b %+v, want seq 5, recovered", w)
	}
	for _, want := range []uint64{1, 2, 3, 4, 5} {
		if m := x.expectIn("b", wire.TypeMsg); m.Seq != want {
			t.Fatalf("replay of b %+v, want seq %d", m, want)
		}
	}
	x.send(subFrame("c", 4, "0123456789abcdef", "")) // another seq space: all, recovered:false
	if w := x.expectIn("c", wire.TypeWelcome); w.Seq != 5 || w.Recovered {
		t.Fatalf("welcome of c %+v, want recovered:false", w)
	}
	for _, want := range []uint64{1, 2, 3, 4, 5} {
		if m := x.expectIn("c", wire.TypeMsg); m.Seq != want {
			t.Fatalf("replay of c %+v, want seq %d", m, want)
		}
	}

	// Publishers on the other relay, in turns with x's own pubs.
	pubs := map[string]*testClient{}
	for _, room := range []string{"a", "b", "c"} {
		p, _ := joinRoom(t, r2, room, "pub-"+room)
		pubs[room] = p
		x.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeJoin && f.Room == room })
	}
	const each = 20
	for i := 1; i <= each; i++ {
		for _, room := range []string{"a", "b", "c"} {
			pubs[room].pub(fmt.Sprintf("p-%d", i), i)
			x.pubIn(room, fmt.Sprintf("x-%d", i), i)
		}
	}
	last := map[string]uint64{"a": 5, "b": 5, "c": 5}
	count := 0
	var x1 wire.ServerFrame // x's x-1 in b, as delivered live
	x.until(func(f wire.ServerFrame) bool {
		if f.Type != wire.TypeMsg {
			return false
		}
		if f.Seq != last[f.Room]+1 {
			t.Fatalf("room %q: seq %d after %d", f.Room, f.Seq, last[f.Room])
		}
		if f.Room == "b" && f.ID == "x-1" {
			x1 = f
		}
		last[f.Room] = f.Seq
		count++
		return count == 6*each
	})
	// Dedup: a resend of a msg x has received gets its original, to x alone.
	// Sent only now: a resend whose original this relay's feed has not
	// delivered yet gets nothing but the original, once, live (PROTOCOL.md,
	// "Recovery window and dedup"), so sent earlier its answer would race
	// the feed.
	x.pubIn("b", "x-1", "resent")
	got := x.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeMsg })
	if m := got[len(got)-1]; m.Room != "b" || m.ID != "x-1" || m.Seq != x1.Seq || m.TS != x1.TS || string(m.Data) != "1" {
		t.Fatalf("answer to the resend %+v, want b's original x-1 %+v", m, x1)
	}
	x.noMsgsPending()
	for room, p := range pubs {
		if got := msgs(p.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeMsg && f.Seq == 5+2*each })); len(got) != 2*each {
			t.Fatalf("%s's publisher got %d msgs, want %d", room, len(got), 2*each)
		}
		p.noMsgsPending() // the resend was not published again
	}

	x.send(wire.ClientFrame{Type: wire.TypeUnsub, Room: "c"})
	x.expectIn("c", wire.TypeLeave)
	if f := pubs["c"].skipTo(wire.TypeLeave); f.CID != "xavier" {
		t.Fatalf("leave on the other relay %+v", f)
	}
}

// TestNATS_Sub_UnavailableWhileCutOff: a sub of a room whose stream cannot
// be opened (NATS down) is answered unavailable; the connection stays.
func TestNATS_Sub_UnavailableWhileCutOff(t *testing.T) {
	n := startNATS(t)
	tr := startNATSRelay(t, n, Config{})
	x, _ := joinRoom(t, tr, "a", "xavier")
	n.stop()
	tr.waitReady(t, false)
	x.send(subFrame("b", -1, "", ""))
	x.expectError("b", wire.CodeUnavailable)
	x.quiet()
}
