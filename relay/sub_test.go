package relay

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// subFrame is a sub of room; since < 0 sends none.
func subFrame(room string, since int64, epoch, token string) wire.ClientFrame {
	f := wire.ClientFrame{Type: wire.TypeSub, Room: room, Epoch: epoch, Token: token}
	if since >= 0 {
		s := uint64(since)
		f.Since = &s
	}
	return f
}

// pubIn publishes data with id into room.
func (c *testClient) pubIn(room, id string, data any) {
	c.t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		c.t.Fatalf("encode data: %v", err)
	}
	c.send(wire.ClientFrame{Type: wire.TypePub, Room: room, ID: id, Data: raw})
}

// expectError returns the next object and fails unless it is an error
// with code about room.
func (c *testClient) expectError(room, code string) wire.ServerFrame {
	c.t.Helper()
	f := c.expect(wire.TypeError)
	if f.Code != code || f.Room != room {
		c.t.Fatalf("error %+v, want code %s room %q", f, code, room)
	}
	return f
}

// expectIn returns the next object and fails unless it has type typ and
// names room.
func (c *testClient) expectIn(room, typ string) wire.ServerFrame {
	c.t.Helper()
	f := c.expect(typ)
	if f.Room != room {
		c.t.Fatalf("%s frame %+v names room %q, want %q", typ, f, f.Room, room)
	}
	return f
}

// TestSub_ThreeRoomsRecoveryAndDedupPerRoom: one connection in three
// rooms gets each room's welcome and replay as three handshakes would,
// and each room deduplicates on its own.
func TestSub_ThreeRoomsRecoveryAndDedupPerRoom(t *testing.T) {
	tr := startRelay(t, Config{History: 3})
	epochs := map[string]string{}
	for _, room := range []string{"a", "b", "c"} {
		keeper := tr.dial(t, query(room, "keeper-"+room)) // keeps the room and its epoch
		epochs[room] = keeper.expect(wire.TypeWelcome).Epoch
		fillRoom(t, tr, room, 5) // each window keeps seq 3, 4, 5
	}

	x := tr.dial(t, query("a", "xavier", "since", "4"))
	if w := x.expect(wire.TypeWelcome); w.Seq != 5 || !w.Recovered || w.Room != "a" {
		t.Fatalf("first welcome %+v, want a at seq 5, recovered", w)
	}
	if m := x.expect(wire.TypeMsg); m.Seq != 5 || m.Room != "" {
		t.Fatalf("replay %+v, want seq 5 without room (no sub sent yet)", m)
	}

	x.send(subFrame("b", 0, "", "")) // seq 1 and 2 are gone
	if w := x.expectIn("b", wire.TypeWelcome); w.Seq != 5 || w.Recovered || w.Epoch != epochs["b"] {
		t.Fatalf("welcome of b %+v, want seq 5, recovered:false, epoch %s", w, epochs["b"])
	}
	for _, want := range []uint64{3, 4, 5} {
		if m := x.expectIn("b", wire.TypeMsg); m.Seq != want || m.ID != fmt.Sprintf("f%d", want) {
			t.Fatalf("replay of b %+v, want seq %d", m, want)
		}
	}
	x.send(subFrame("c", 3, epochs["c"], ""))
	if w := x.expectIn("c", wire.TypeWelcome); w.Seq != 5 || !w.Recovered {
		t.Fatalf("welcome of c %+v, want seq 5, recovered", w)
	}
	for _, want := range []uint64{4, 5} {
		if m := x.expectIn("c", wire.TypeMsg); m.Seq != want {
			t.Fatalf("replay of c %+v, want seq %d", m, want)
		}
	}

	// The same id in two rooms is two messages; resent into one, it is
	// that room's original, to the sender alone.
	x.pubIn("b", "x-1", "to b")
	if m := x.expectIn("b", wire.TypeMsg); m.Seq != 6 || m.ID != "x-1" {
		t.Fatalf("echo in b %+v, want seq 6", m)
	}
	x.pubIn("c", "x-1", "to c")
	if m := x.expectIn("c", wire.TypeMsg); m.Seq != 6 || string(m.Data) != `"to c"` {
		t.Fatalf("echo in c %+v, want its own seq 6", m)
	}
	x.pubIn("b", "x-1", "to b")
	if m := x.expectIn("b", wire.TypeMsg); m.Seq != 6 || string(m.Data) != `"to b"` {
		t.Fatalf("resend in b answered %+v, want the original seq 6", m)
	}
	x.quiet()

	// An epoch of another seq space replays the whole window, recovered:false.
	x.send(wire.ClientFrame{Type: wire.TypeUnsub, Room: "c"})
	x.expectIn("c", wire.TypeLeave)
	x.send(subFrame("c", 5, "0123456789abcdef", ""))
	if w := x.expectIn("c", wire.TypeWelcome); w.Seq != 6 || w.Recovered {
		t.Fatalf("welcome of c with a foreign epoch %+v, want recovered:false", w)
	}
	for _, want := range []uint64{4, 5, 6} {
		if m := x.expectIn("c", wire.TypeMsg); m.Seq != want {
			t.Fatalf("replay of c %+v, want seq %d", m, want)
		}
	}
}

// TestSub_OrderWithinEachRoomAcrossInterleavedRooms: msgs of rooms
// published in turns arrive in seq order per room, each naming its room.
func TestSub_OrderWithinEachRoomAcrossInterleavedRooms(t *testing.T) {
	tr := startRelay(t, Config{Rate: 1000, Burst: 1000, Queue: 2048}) // a queue no burst here overflows
	x := tr.dial(t, query("a", "xavier"))
	x.expect(wire.TypeWelcome)
	rooms := []string{"a", "b", "c"}
	for _, room := range rooms[1:] {
		x.send(subFrame(room, -1, "", ""))
		x.expectIn(room, wire.TypeWelcome)
	}
	publishers := map[string]*testClient{}
	for _, room := range rooms {
		p := tr.dial(t, query(room, "pub-"+room))
		p.expect(wire.TypeWelcome)
		x.expectIn(room, wire.TypeJoin)
		publishers[room] = p
	}
	const perRoom = 60
	done := make(chan struct{})
	for _, room := range rooms {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 1; i <= perRoom; i++ {
				if err := publishers[room].write(fmt.Sprintf(`{"type":"pub","id":"%s-%d","data":%d}`, room, i, i)); err != nil {
					t.Errorf("pub into %s: %v", room, err)
					return
				}
			}
		}()
	}
	// x publishes too, alternating rooms, with and without room (first room).
	for i := 1; i <= perRoom; i++ {
		x.send(fmt.Sprintf(`{"type":"pub","id":"x-%d","data":%d}`, i, i))
		x.pubIn(rooms[1+i%2], fmt.Sprintf("x-%d", i), i)
	}
	for range rooms {
		<-done
	}
	want := map[string]int{"a": 2 * perRoom, "b": perRoom + perRoom/2, "c": perRoom + perRoom/2}
	last := map[string]uint64{}
	got := map[string]int{}
	for got["a"]+got["b"]+got["c"] < want["a"]+want["b"]+want["c"] {
		m := x.expect(wire.TypeMsg)
		if m.Seq != last[m.Room]+1 {
			t.Fatalf("room %q: seq %d after %d", m.Room, m.Seq, last[m.Room])
		}
		if !strings.HasPrefix(m.ID, m.Room+"-") && !strings.HasPrefix(m.ID, "x-") {
			t.Fatalf("msg %+v of another room named %q", m, m.Room)
		}
		last[m.Room] = m.Seq
		got[m.Room]++
	}
	for room, n := range want {
		if got[room] != n {
			t.Fatalf("room %s: %d msgs, want %d", room, got[room], n)
		}
	}
	x.quiet()
}

// TestSub_RoomScopedObjectsNameTheirRoom: after a sub, join, meta, leave,
// msg and errors about a room name it, the first room's too.
func TestSub_RoomScopedObjectsNameTheirRoom(t *testing.T) {
	tr := startRelay(t, Config{})
	x := tr.dial(t, query("a", "xavier"))
	x.expect(wire.TypeWelcome)
	x.send(subFrame("b", -1, "", ""))
	x.expectIn("b", wire.TypeWelcome)

	y := tr.dial(t, query("a", "yann"))
	yw := y.expect(wire.TypeWelcome)
	if f := x.expectIn("a", wire.TypeJoin); f.Peer.Conn != yw.Conn {
		t.Fatalf("join %+v, want yann", f)
	}
	y.send(`{"type":"meta","data":{"nick":"Y"}}`)
	x.expectIn("a", wire.TypeMeta)
	x.send(`{"type":"meta","room":"b","data":{"nick":"X"}}`)
	if f := x.expectIn("b", wire.TypeMeta); string(f.Meta) != `{"nick":"X"}` {
		t.Fatalf("meta confirmation %+v", f)
	}
	x.pubIn("", "m1", "hi")
	x.expectIn("a", wire.TypeMsg)
	y.expect(wire.TypeMeta) // its own, confirmed
	if f := y.expect(wire.TypeMsg); f.Room != "" {
		t.Fatalf("yann, who never sent sub, got %+v with a room", f)
	}
	x.pubIn("z", "m2", "nowhere")
	if f := x.expectError("z", wire.CodeNotSubscribed); f.ID != "m2" {
		t.Fatalf("refused pub %+v, want its id", f)
	}
	y.leave()
	x.expectIn("a", wire.TypeLeave)
	// The meta of x in b is b's alone: a newcomer to a lists it with null.
	z := tr.dial(t, query("a", "zoe"))
	if w := z.expect(wire.TypeWelcome); len(w.Peers) != 1 || string(w.Peers[0].Meta) != "null" {
		t.Fatalf("welcome of a %+v, want xavier without b's meta", w)
	}
}

// TestUnsub_OthersGetLeave: an unsub is a leave for the room's others, a
// leave naming the room for the client, and the end of that room's frames.
func TestUnsub_OthersGetLeave(t *testing.T) {
	tr := startRelay(t, Config{})
	y := tr.dial(t, query("b", "yann"))
	y.expect(wire.TypeWelcome)
	x := tr.dial(t, query("a", "xavier"))
	xw := x.expect(wire.TypeWelcome)
	x.send(subFrame("b", -1, "", ""))
	x.expectIn("b", wire.TypeWelcome)
	if f := y.expect(wire.TypeJoin); f.Peer.Conn != xw.Conn {
		t.Fatalf("join %+v, want xavier", f)
	}

	x.send(wire.ClientFrame{Type: wire.TypeUnsub, Room: "b"})
	if f := x.expectIn("b", wire.TypeLeave); f.Conn != xw.Conn {
		t.Fatalf("confirmation %+v, want xavier's own leave", f)
	}
	if f := y.expect(wire.TypeLeave); f.Conn != xw.Conn || f.CID != "xavier" {
		t.Fatalf("leave %+v, want xavier", f)
	}
	y.pub("after", 1)
	y.expect(wire.TypeMsg)
	x.quiet() // nothing more of b
	x.pubIn("b", "m1", 1)
	x.expectError("b", wire.CodeNotSubscribed)
	x.send(wire.ClientFrame{Type: wire.TypeUnsub, Room: "b"})
	x.expectError("b", wire.CodeNotSubscribed)
	// Still in a; and a later sub of b is a new join.
	x.pubIn("a", "m2", 2)
	x.expectIn("a", wire.TypeMsg)
	x.send(subFrame("b", -1, "", ""))
	x.expectIn("b", wire.TypeWelcome)
	y.expect(wire.TypeJoin)
}

// TestSub_ErrorAnswers: each refusal of a sub is an error naming the room,
// and the connection stays.
func TestSub_ErrorAnswers(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	tr := startRelay(t, Config{Secret: secret, MaxSubs: 3, MaxRooms: 4})
	token := func(room, cid string) string {
		tok, err := IssueBoundToken(secret, room, "", cid, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	x := tr.dial(t, query("a", "xavier", "token", token("a", "")))
	x.expect(wire.TypeWelcome)

	x.send(subFrame("bad room", -1, "", token("*", "")))
	x.expectError("bad room", wire.CodeInvalidRoom)
	x.send(subFrame("", -1, "", token("*", "")))
	x.expectError("", wire.CodeInvalidRoom)
	x.send(subFrame("b", -1, "not an epoch!", token("b", "")))
	x.expectError("b", wire.CodeBadFrame)
	x.send(subFrame("a", -1, "", token("a", "")))
	x.expectError("a", wire.CodeAlreadySubscribed)
	for _, tok := range []string{"", "forged", token("c", ""), token("b", "someone-else")} {
		x.send(subFrame("b", -1, "", tok))
		if f := x.expectError("b", wire.CodeForbidden); f.Text == "" {
			t.Fatalf("forbidden %+v without a reason", f)
		}
	}
	x.send(subFrame("b", -1, "", token("b", "xavier")))
	x.expectIn("b", wire.TypeWelcome)
	x.send(subFrame("b", -1, "", token("b", "")))
	x.expectError("b", wire.CodeAlreadySubscribed)

	// -max-rooms 4: a, b and two rooms of others; a fifth is refused.
	for _, room := range []string{"c", "d"} {
		tr.dial(t, query(room, "other", "token", token(room, ""))).expect(wire.TypeWelcome)
	}
	x.send(subFrame("e", -1, "", token("e", "")))
	x.expectError("e", wire.CodeTooManyRooms)
	// -max-subs 3, the first room included.
	x.send(subFrame("c", -1, "", token("c", "")))
	x.expectIn("c", wire.TypeWelcome)
	x.send(subFrame("d", -1, "", token("d", "")))
	x.expectError("d", wire.CodeTooManySubs)
	x.send(wire.ClientFrame{Type: wire.TypeUnsub, Room: "c"})
	x.expectIn("c", wire.TypeLeave)
	x.send(subFrame("d", -1, "", token("d", "")))
	x.expectIn("d", wire.TypeWelcome)

	x.quiet() // the connection stays
	// A pub into a room left is refused, with its id.
	x.pubIn("c", "m1", 1)
	if f := x.expectError("c", wire.CodeNotSubscribed); f.ID != "m1" {
		t.Fatalf("refusal %+v without the pub's id", f)
	}
}

// TestSub_RateLimited: subs and unsubs fan out (join, leave) and share the
// pub and meta rate.
func TestSub_RateLimited(t *testing.T) {
	tr := startRelay(t, Config{Rate: 0.001, Burst: 2})
	x := tr.dial(t, query("a", "xavier"))
	x.expect(wire.TypeWelcome)
	x.send(subFrame("b", -1, "", ""))
	x.expectIn("b", wire.TypeWelcome)
	x.send(wire.ClientFrame{Type: wire.TypeUnsub, Room: "b"})
	x.expectIn("b", wire.TypeLeave)
	x.send(subFrame("b", -1, "", ""))
	x.expectError("b", wire.CodeRateLimited)
	x.quiet()
}

// TestSub_SlowConsumerLeavesEveryRoom: a connection dropped as a slow
// consumer in one room is gone from all of its rooms.
func TestSub_SlowConsumerLeavesEveryRoom(t *testing.T) {
	g := &gate{}
	g.open = sync.NewCond(&g.mu)
	tr := startRelayOn(t, Config{Queue: 4, WriteTimeout: time.Minute}, func(l net.Listener) net.Listener {
		return &gatedListener{Listener: l, gate: g} // x's socket, the first, is gated
	})
	x := tr.dial(t, query("a", "xavier"))
	xw := x.expect(wire.TypeWelcome)
	x.send(subFrame("b", -1, "", ""))
	x.expectIn("b", wire.TypeWelcome)
	y := tr.dial(t, query("b", "yann"))
	y.expect(wire.TypeWelcome)
	y.send(subFrame("a", -1, "", ""))
	y.expectIn("a", wire.TypeWelcome)

	g.set(true) // x reads nothing from now on
	t.Cleanup(func() { g.set(false) })
	left := map[string]bool{}
	watch := func(f wire.ServerFrame) {
		if f.Type == wire.TypeLeave && f.Conn == xw.Conn {
			left[f.Room] = true
		}
	}
	for i := 0; !left["a"]; i++ { // one at a time: y's own queue of 4 never fills
		if i == 20 {
			t.Fatal("x was not dropped from a")
		}
		id := fmt.Sprintf("m%d", i)
		y.pubIn("a", id, i)
		y.until(func(f wire.ServerFrame) bool { watch(f); return f.Type == wire.TypeMsg && f.ID == id })
	}
	if !left["b"] {
		y.until(func(f wire.ServerFrame) bool { watch(f); return left["b"] })
	}
}
