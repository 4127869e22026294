package relay

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// The tests in this file run three relays on one real NATS server with
// JetStream, in process (nats_helpers_test.go), and talk to them through
// real WebSocket clients.

func TestNATS_RoomToken_SafeAndInjective(t *testing.T) {
	seen := map[string]string{}
	for _, room := range []string{"lobby", "team.dev", "Team.dev", "team_dev", "team_2edev", "_2e", ".", "a-b",
		strings.Repeat("Z.", 32), strings.Repeat("_", 64)} {
		tok := roomToken(room)
		for _, c := range []byte(tok) {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				t.Errorf("roomToken(%q) = %q: byte %q is not safe in a subject token and a stream name", room, tok, c)
			}
		}
		if len(roomStream(room)) > 255 {
			t.Errorf("stream name of %q is %d bytes", room, len(roomStream(room)))
		}
		if other, dup := seen[tok]; dup {
			t.Errorf("rooms %q and %q share the token %q", room, other, tok)
		}
		seen[tok] = room
	}
	if got := roomSubject("team.dev"); got != "chat.room.team_2edev" {
		t.Errorf("roomSubject(team.dev) = %q", got)
	}
}

func TestNATS_MsgFromTail_SameBytesAsAppendMsg(t *testing.T) {
	idJSON, data := encodeString("id\n\"1"), []byte(`{"text":"hi"}`)
	want := appendMsg(nil, 42, 1767225600123, "9c1e0f6a2b7d4e58", "ada", idJSON, data)
	tail := appendMsgTail(nil, "9c1e0f6a2b7d4e58", "ada", idJSON, data)
	if len(tail) != msgTailSize("9c1e0f6a2b7d4e58", "ada", idJSON, data) {
		t.Errorf("msgTailSize = %d, appended %d", msgTailSize("9c1e0f6a2b7d4e58", "ada", idJSON, data), len(tail))
	}
	if got := msgFromTail(42, 1767225600123, tail); string(got) != string(want) {
		t.Fatalf("msgFromTail = %s\nwant          %s", got, want)
	}
}

func TestServer_Readyz_MemoryRelayIsReady(t *testing.T) {
	tr := startRelay(t, Config{})
	if got := tr.readyz(t); got != http.StatusOK {
		t.Fatalf("/readyz = %d, want 200", got)
	}
}

// joinRoom connects a client to tr and returns it with its welcome.
func joinRoom(t *testing.T, tr *testRelay, room, cid string, extra ...string) (*testClient, wire.ServerFrame) {
	t.Helper()
	c := tr.dial(t, query(room, cid, extra...))
	return c, c.expect(wire.TypeWelcome)
}

// collectMsgs reads c until it has n msgs and returns them.
func collectMsgs(c *testClient, n int) []wire.ServerFrame {
	c.t.Helper()
	var got []wire.ServerFrame
	c.until(func(f wire.ServerFrame) bool {
		if f.Type == wire.TypeMsg {
			got = append(got, f)
		}
		return len(got) == n
	})
	return got
}

// sameOrder fails unless every list holds the same msgs in the same order,
// with strictly increasing seqs and no (cid, id) twice.
func sameOrder(t *testing.T, lists map[string][]wire.ServerFrame) {
	t.Helper()
	var first []string
	for name, list := range lists {
		var keys []string
		seen := map[string]bool{}
		for i, f := range list {
			key := fmt.Sprintf("%d:%s/%s", f.Seq, f.CID, f.ID)
			if i > 0 && f.Seq <= list[i-1].Seq {
				t.Errorf("%s: seq %d after %d", name, f.Seq, list[i-1].Seq)
			}
			if seen[f.CID+"/"+f.ID] {
				t.Errorf("%s: %s/%s twice", name, f.CID, f.ID)
			}
			seen[f.CID+"/"+f.ID] = true
			keys = append(keys, key)
		}
		if first == nil {
			first = keys
		} else if !slices.Equal(first, keys) {
			t.Errorf("%s received another order:\n%v\nwant\n%v", name, keys, first)
		}
	}
}

func TestNATS_CrossRelayChat_OneOrderNoDuplicates(t *testing.T) {
	n := startNATS(t)
	relays := []*testRelay{startNATSRelay(t, n, Config{}), startNATSRelay(t, n, Config{}), startNATSRelay(t, n, Config{})}
	const room, perClient = "team.dev", 5 // a dot in the room name
	clients := map[string]*testClient{}
	var epoch string
	for i, tr := range relays {
		cid := "c" + strconv.Itoa(i)
		c, w := joinRoom(t, tr, room, cid)
		if w.Epoch == "" || (epoch != "" && w.Epoch != epoch) {
			t.Fatalf("%s: welcome epoch %q, others %q: every relay must name the same seq space", cid, w.Epoch, epoch)
		}
		epoch = w.Epoch
		clients[cid] = c
	}
	for i := range perClient {
		for cid, c := range clients {
			c.pub(cid+"-"+strconv.Itoa(i), map[string]any{"text": i})
		}
	}
	lists := map[string][]wire.ServerFrame{}
	for cid, c := range clients {
		lists[cid] = collectMsgs(c, perClient*len(clients))
	}
	sameOrder(t, lists)
	for cid, c := range clients {
		c.noMsgsPending() // nothing more: no duplicate arrives behind the last msg
		if got := lists[cid][0].Seq; got != 1 {
			t.Errorf("%s: first seq %d, want 1 (seq is the room stream's sequence)", cid, got)
		}
	}
}

func TestNATS_ConcurrentPublishersOnAllRelays_OneOrder(t *testing.T) {
	n := startNATS(t)
	relays := []*testRelay{startNATSRelay(t, n, Config{}), startNATSRelay(t, n, Config{}), startNATSRelay(t, n, Config{})}
	const room, perClient = "busy", 15 // within the default burst
	clients := map[string]*testClient{}
	for i := range 6 {
		cid := "p" + strconv.Itoa(i)
		clients[cid], _ = joinRoom(t, relays[i%3], room, cid)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(clients)*perClient)
	for cid, c := range clients {
		wg.Go(func() {
			for i := range perClient {
				if err := c.write(fmt.Sprintf(`{"type":"pub","id":"%s-%d","data":%d}`, cid, i, i)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	lists := map[string][]wire.ServerFrame{}
	for cid, c := range clients {
		lists[cid] = collectMsgs(c, perClient*len(clients))
	}
	sameOrder(t, lists)
}

func TestNATS_GlobalPresence_WelcomeJoinMetaLeave(t *testing.T) {
	n := startNATS(t)
	r1, r2, r3 := startNATSRelay(t, n, Config{}), startNATSRelay(t, n, Config{}), startNATSRelay(t, n, Config{})
	const room = "presence.room"
	ann, _ := joinRoom(t, r1, room, "ann")

	// A probe on r2 learns of ann (in its welcome or by a join). From then
	// on r2 knows ann, so a later joiner's welcome must list her.
	probe, pw := joinRoom(t, r2, room, "probe")
	var annID string
	for _, p := range pw.Peers {
		if p.CID == "ann" {
			annID = p.Conn
		}
	}
	if annID == "" {
		f := probe.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeJoin && f.Peer.CID == "ann" })
		annID = f[len(f)-1].Peer.Conn
	}
	bob, bw := joinRoom(t, r2, room, "bob")
	if !hasPeer(bw.Peers, annID) {
		t.Fatalf("bob's welcome on relay 2 lists %+v, want ann of relay 1 (%s)", bw.Peers, annID)
	}
	if bw.Peers[0].Conn != annID {
		t.Errorf("welcome.peers %+v: ann joined first", bw.Peers)
	}
	// ann hears of bob's join across relays.
	ann.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeJoin && f.Peer.Conn == bw.Conn })

	// Meta reaches everyone, the setter included.
	ann.send(`{"type":"meta","data":{"nick":"Ann"}}`)
	ann.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeMeta && f.Conn == annID })
	got := bob.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeMeta && f.Conn == annID })
	if meta := got[len(got)-1].Meta; string(meta) != `{"nick":"Ann"}` {
		t.Fatalf("bob saw ann's meta %s", meta)
	}

	// A member of the third relay learns everyone, with ann's meta.
	cat, cw := joinRoom(t, r3, room, "cat")
	known := map[string]json.RawMessage{}
	for _, p := range cw.Peers {
		known[p.Conn] = p.Meta
	}
	knowsAll := func() bool {
		_, hasBob := known[bw.Conn]
		return hasBob && string(known[annID]) == `{"nick":"Ann"}`
	}
	for !knowsAll() {
		f := cat.next()
		switch f.Type {
		case wire.TypeJoin:
			if _, twice := known[f.Peer.Conn]; twice {
				t.Errorf("cat learned of %s twice", f.Peer.Conn)
			}
			known[f.Peer.Conn] = f.Peer.Meta
		case wire.TypeMeta:
			known[f.Conn] = f.Meta
		}
	}

	// bob leaves: the other relays announce it.
	bob.leave()
	for name, c := range map[string]*testClient{"ann": ann, "cat": cat, "probe": probe} {
		c.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeLeave && f.Conn == bw.Conn })
		_ = name
	}
}

func TestNATS_RelayKilled_ClientsResumeElsewhere_MembersVanish(t *testing.T) {
	n := startNATS(t)
	r1, r2, r3 := startNATSRelay(t, n, Config{}), startNATSRelay(t, n, Config{}), startNATSRelay(t, n, Config{})
	const room = "crash"
	ann, aw := joinRoom(t, r1, room, "ann")
	bob, bw := joinRoom(t, r2, room, "bob")
	cat, cw := joinRoom(t, r3, room, "cat")
	// bob and cat know ann before her relay dies.
	for c, w := range map[*testClient]wire.ServerFrame{bob: bw, cat: cw} {
		if !hasPeer(w.Peers, aw.Conn) {
			c.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeJoin && f.Peer.Conn == aw.Conn })
		}
	}
	ann.pub("a1", "hello")
	var last wire.ServerFrame
	for _, c := range []*testClient{ann, bob, cat} {
		got := c.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeMsg && f.ID == "a1" })
		last = got[len(got)-1]
	}

	killed := time.Now()
	r1.crash(t)
	ann.wantClose(websocket.StatusGoingAway)

	// While ann is away, bob talks.
	bob.pub("b1", 1)
	bob.pub("b2", 2)
	collectMsgs(bob, 2)

	// ann's old connection leaves everyone's presence, by silence.
	for _, c := range []*testClient{bob, cat} {
		c.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeLeave && f.Conn == aw.Conn })
	}
	if took := time.Since(killed); took > 10*presenceMissedBeats*testPresenceInterval {
		t.Errorf("the dead relay's member left after %v", took)
	}

	// ann resumes on relay 2 with since and epoch, and misses nothing.
	ann2, w := joinRoom(t, r2, room, "ann", "since", strconv.FormatUint(last.Seq, 10), "epoch", aw.Epoch)
	if !w.Recovered || w.Epoch != aw.Epoch {
		t.Fatalf("welcome on relay 2: recovered=%v epoch=%q, want true and %q", w.Recovered, w.Epoch, aw.Epoch)
	}
	replay := collectMsgs(ann2, 2)
	if replay[0].ID != "b1" || replay[1].ID != "b2" || replay[0].Seq != last.Seq+1 || replay[1].Seq != last.Seq+2 {
		t.Fatalf("replay %+v, want b1 and b2 right after seq %d", replay, last.Seq)
	}
	cat.pub("c1", 3)
	if got := collectMsgs(ann2, 1); got[0].ID != "c1" || got[0].Seq != last.Seq+3 {
		t.Fatalf("live after replay: %+v", got)
	}
}

func TestNATS_Dedup_ResendOnAnotherRelayGetsTheOriginal(t *testing.T) {
	n := startNATS(t)
	r1, r2, r3 := startNATSRelay(t, n, Config{}), startNATSRelay(t, n, Config{}), startNATSRelay(t, n, Config{})
	const room = "dedup"
	ann, aw := joinRoom(t, r1, room, "ann")
	bob, _ := joinRoom(t, r3, room, "bob")
	ann.pub("x", "once")
	original := collectMsgs(ann, 1)[0]
	collectMsgs(bob, 1)
	ann.leave()

	ann2, _ := joinRoom(t, r2, room, "ann", "since", strconv.FormatUint(original.Seq, 10), "epoch", aw.Epoch)
	ann2.pub("x", "once")
	again := collectMsgs(ann2, 1)[0]
	if again.Seq != original.Seq || again.TS != original.TS || again.Conn != original.Conn {
		t.Fatalf("resend answered %+v, want the original %+v", again, original)
	}
	ann2.pub("y", "next")
	if got := collectMsgs(bob, 1)[0]; got.ID != "y" || got.Seq != original.Seq+1 {
		t.Fatalf("bob got %+v after the resend, want y at seq %d: the resend must not be published", got, original.Seq+1)
	}
}

func TestNATS_NATSRestart_UnavailableThenRecovers(t *testing.T) {
	n := startNATS(t)
	r1, r2 := startNATSRelay(t, n, Config{}), startNATSRelay(t, n, Config{})
	const room = "outage"
	ann, _ := joinRoom(t, r1, room, "ann")
	bob, _ := joinRoom(t, r2, room, "bob")
	ann.pub("before", 1)
	before := collectMsgs(bob, 1)[0]
	collectMsgs(ann, 1)

	n.stop()
	for _, tr := range []*testRelay{r1, r2} {
		tr.waitReady(t, false)
		if got := tr.readyz(t); got != http.StatusServiceUnavailable {
			t.Fatalf("/readyz during the outage = %d, want 503", got)
		}
	}
	ann.pub("during", 2)
	refused := ann.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeError })
	if e := refused[len(refused)-1]; e.Code != wire.CodeUnavailable || e.ID != "during" {
		t.Fatalf("pub during the outage answered %+v, want error unavailable with id during", e)
	}
	if len(msgs(refused)) > 0 {
		t.Fatalf("msgs during the outage: %+v", msgs(refused))
	}
	// A join that needs NATS is sent away with 1013 (try again later).
	newcomer := r1.dial(t, query("elsewhere", "cat"))
	newcomer.wantClose(websocket.StatusTryAgainLater)

	n.restart()
	for _, tr := range []*testRelay{r1, r2} {
		tr.waitReady(t, true)
		if got := tr.readyz(t); got != http.StatusOK {
			t.Fatalf("/readyz after the outage = %d, want 200", got)
		}
	}
	// The client resends what was refused, with the same id.
	ann.pub("during", 2)
	ann.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeMsg && f.ID == "during" })
	bob.pub("after", 3)
	for name, c := range map[string]*testClient{"ann": ann, "bob": bob} {
		got := msgs(c.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeMsg && f.ID == "after" }))
		if name == "ann" {
			got = append([]wire.ServerFrame{{Type: wire.TypeMsg, Seq: before.Seq + 1, ID: "during"}}, got...)
		}
		var ids []string
		for _, f := range got {
			ids = append(ids, f.ID)
		}
		if !slices.Equal(ids, []string{"during", "after"}) || got[1].Seq != before.Seq+2 {
			t.Fatalf("%s after the outage received %v (%+v), want during then after at seq %d", name, ids, got, before.Seq+2)
		}
	}
}

func TestNATS_PipelinedPubs_EchoedInSendOrderEverywhere(t *testing.T) {
	n := startNATS(t)
	cfg := Config{Rate: 1000, Burst: 100}
	r1, r2, r3 := startNATSRelay(t, n, cfg), startNATSRelay(t, n, cfg), startNATSRelay(t, n, cfg)
	const room, count = "pipeline", 50
	ann, _ := joinRoom(t, r1, room, "ann")
	bob, _ := joinRoom(t, r2, room, "bob")
	cat, _ := joinRoom(t, r3, room, "cat")
	// Back to back, without waiting for any echo: the relay has many of
	// ann's pubs in flight to JetStream at once.
	var want []string
	for i := range count {
		id := "a" + strconv.Itoa(i)
		want = append(want, id)
		if err := ann.write(fmt.Sprintf(`{"type":"pub","id":%q,"data":%d}`, id, i)); err != nil {
			t.Fatal(err)
		}
	}
	lists := map[string][]wire.ServerFrame{}
	for name, c := range map[string]*testClient{"ann": ann, "bob": bob, "cat": cat} {
		got := c.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeMsg && f.ID == want[count-1] })
		for _, f := range got {
			if f.Type == wire.TypeError {
				t.Fatalf("%s got %+v", name, f)
			}
		}
		lists[name] = msgs(got)
		var ids []string
		for _, f := range lists[name] {
			ids = append(ids, f.ID)
		}
		if !slices.Equal(ids, want) {
			t.Fatalf("%s received %v, want ann's send order %v", name, ids, want)
		}
	}
	sameOrder(t, lists)
	if got := lists["ann"][count-1].Seq - lists["ann"][0].Seq; got != count-1 {
		t.Errorf("seqs span %d, want %d: one seq per pub, no gap", got, count-1)
	}
}

func TestNATS_PipelinedPubs_NATSStopsMidway_EachAnsweredNoneLost(t *testing.T) {
	n := startNATS(t)
	// A queue for every answer; a window for every pub, so that the relays'
	// feeds, resuming after the outage, find everything still kept.
	cfg := Config{Rate: 100000, Burst: 2000, Queue: 4096, History: 5000, BrokerTimeout: 2 * time.Second}
	r1, r2 := startNATSRelay(t, n, cfg), startNATSRelay(t, n, cfg)
	// The first pubs are in flight when NATS stops; the last ones are
	// written once both relays know it is down, so some are refused for sure.
	const room, count, afterStop = "midway", 1000, 10
	ann, _ := joinRoom(t, r1, room, "ann")
	bob, _ := joinRoom(t, r2, room, "bob")
	pub := func(i int) error { return ann.write(fmt.Sprintf(`{"type":"pub","id":"a%d","data":%d}`, i, i)) }
	sent := make(chan error, 1)
	go func() {
		for i := range count - afterStop {
			if err := pub(i); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	// Every pub, stored or not, acked or not when NATS stops, is answered:
	// by its msg or by unavailable.
	answered := map[string]bool{}
	var accepted, refused []string
	note := func(f wire.ServerFrame) bool {
		switch {
		case f.Type == wire.TypeMsg:
			answered[f.ID] = true
			accepted = append(accepted, f.ID)
		case f.Type == wire.TypeError && f.Code == wire.CodeUnavailable:
			answered[f.ID] = true
			refused = append(refused, f.ID)
		case f.Type == wire.TypeError:
			t.Fatalf("ann got %+v", f)
		}
		return len(answered) == count
	}
	ann.until(func(f wire.ServerFrame) bool { note(f); return f.Type == wire.TypeMsg })
	n.stop() // while ann's pubs are still coming
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	r1.waitReady(t, false)
	r2.waitReady(t, false)
	for i := count - afterStop; i < count; i++ {
		if err := pub(i); err != nil {
			t.Fatal(err)
		}
	}
	lastID := fmt.Sprintf("a%d", count-1)
	ann.until(func(f wire.ServerFrame) bool { note(f); return f.ID == lastID })
	for i := count - afterStop; i < count; i++ {
		if id := fmt.Sprintf("a%d", i); !slices.Contains(refused, id) {
			t.Fatalf("%s, written while NATS was down, was not refused (refused: %v)", id, refused)
		}
	}
	n.restart()
	r1.waitReady(t, true)
	if len(answered) < count {
		ann.until(note)
	}
	// The client resends what was refused; dedup keeps each pub once. A
	// last pub after them is the barrier: one connection's pubs keep their
	// order, so bob has had every msg of ann's when he has the barrier.
	for _, id := range append(slices.Clone(refused), "barrier") {
		if err := ann.write(fmt.Sprintf(`{"type":"pub","id":%q,"data":0}`, id)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	var last uint64
	bob.until(func(f wire.ServerFrame) bool {
		if f.Type != wire.TypeMsg {
			return false
		}
		if seen[f.ID] || f.Seq != last+1 {
			t.Fatalf("bob got %s at seq %d after seq %d: twice, or a gap", f.ID, f.Seq, last)
		}
		seen[f.ID], last = true, f.Seq
		return f.ID == "barrier"
	})
	bob.noMsgsPending()
	for _, id := range accepted {
		if !seen[id] {
			t.Errorf("%s was accepted (echoed to ann) but never delivered to bob", id)
		}
	}
	for _, id := range refused {
		if !seen[id] {
			t.Errorf("%s was refused and resent but never delivered to bob", id)
		}
	}
	if len(seen) != count+1 {
		t.Errorf("bob got %d msgs, want %d and the barrier", len(seen)-1, count)
	}
	t.Logf("%d of %d pubs refused around the outage, %d accepted", len(refused), count, len(accepted))
}
