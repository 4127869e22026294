package chat

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

func peer(conn, cid, nick, name string) wire.Peer {
	p := wire.Peer{Conn: conn, CID: cid, Meta: json.RawMessage("null"), Name: name}
	if nick != "" {
		p.Meta, _ = json.Marshal(metaData{Nick: nick})
	}
	return p
}

func nicks(v View) []string {
	var out []string
	for _, m := range v.Members {
		out = append(out, m.Nick)
	}
	return out
}

func TestClient_Presence_WelcomeJoinLeaveRename(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{Conn: "c-me", Peers: []wire.Peer{
		peer("c-1", "zed-cid", "zed", ""),
		peer("c-2", "tok-cid", "", "Alice"),  // named by a token only
		peer("c-3", "anonymous-cid", "", ""), // nothing: a short cid
	}})
	v := h.client.View()
	if got := nicks(v); !slices.Equal(got, []string{"Alice", "anonym", "brave-otter", "zed"}) {
		t.Fatalf("members %v", got)
	}
	if me := v.Members[2]; !me.Me || me.Conn != "c-me" || me.CID != "me-cid" {
		t.Fatalf("me %+v", me)
	}
	if !hasLine(v, LineSystem, "You joined #lobby as brave-otter") {
		t.Fatalf("no welcome line: %v", texts(v.Lines))
	}
	if meta := relay.nextOf(t, wire.TypeMeta); string(meta.Data) != `{"nick":"brave-otter"}` {
		t.Fatalf("meta announce %s", meta.Data)
	}

	relay.send(t, wire.Join{Type: wire.TypeJoin, Peer: peer("c-4", "bob-cid", "bob", "")})
	h.waitView("bob joined", func(v View) bool { return hasLine(v, LineSystem, "bob joined") && len(v.Members) == 5 })

	// A join without meta waits for the nick the newcomer announces next.
	relay.send(t, wire.Join{Type: wire.TypeJoin, Peer: peer("c-5", "carol-cid", "", "")})
	relay.send(t, wire.MetaChange{Type: wire.TypeMeta, Conn: "c-5", Meta: json.RawMessage(`{"nick":"carol"}`)})
	v = h.waitView("carol joined", func(v View) bool { return hasLine(v, LineSystem, "carol joined") })
	if hasLine(v, LineSystem, "carol-cid joined") || hasLine(v, LineSystem, "carol- joined") || hasLine(v, LineSystem, "carol- is now carol") {
		t.Fatalf("greeted a client id: %v", texts(v.Lines))
	}

	// Without meta within the grace period, the short cid is greeted.
	relay.send(t, wire.Join{Type: wire.TypeJoin, Peer: peer("c-6", "silentcid", "", "")})
	h.waitView("silent member", func(v View) bool { return len(v.Members) == 7 })
	h.clock.Advance(DefaultJoinGrace)
	h.waitView("silent joined", func(v View) bool { return hasLine(v, LineSystem, "silent joined") })

	relay.send(t, wire.MetaChange{Type: wire.TypeMeta, Conn: "c-4", Meta: json.RawMessage(`{"nick":"robert"}`)})
	v = h.waitView("rename", func(v View) bool { return hasLine(v, LineSystem, "bob is now robert") })
	if !slices.Contains(nicks(v), "robert") || slices.Contains(nicks(v), "bob") {
		t.Fatalf("members after rename %v", nicks(v))
	}

	relay.send(t, wire.Leave{Type: wire.TypeLeave, Conn: "c-4", CID: "bob-cid"})
	v = h.waitView("left", func(v View) bool { return hasLine(v, LineSystem, "robert left") })
	if len(v.Members) != 6 {
		t.Fatalf("members after leave %v", nicks(v))
	}

	// My own rename: a line at once, and the meta frame.
	if err := h.client.SetNick("calm  fox"); err != nil {
		t.Fatal(err)
	}
	v = h.client.View()
	if v.Nick != "calm fox" || !hasLine(v, LineSystem, "brave-otter is now calm fox") || !slices.Contains(nicks(v), "calm fox") {
		t.Fatalf("after SetNick: nick %q members %v lines %v", v.Nick, nicks(v), texts(v.Lines))
	}
	if meta := relay.nextOf(t, wire.TypeMeta); string(meta.Data) != `{"nick":"calm fox"}` {
		t.Fatalf("rename meta %s", meta.Data)
	}
	// The relay may announce my meta back to me: no second line.
	// The relay handles a connection's frames in order: once the message
	// sent after the echo shows, the echo has been applied.
	relay.send(t, wire.MetaChange{Type: wire.TypeMeta, Conn: "c-me", Meta: json.RawMessage(`{"nick":"calm fox"}`)})
	relay.send(t, msg(1, "zed-cid", "barrier-1", "zed", "after the echo"))
	v = h.waitView("meta echo applied", func(v View) bool { return len(messageLines(v)) == 1 })
	if n := countLines(v, LineSystem, "brave-otter is now calm fox"); n != 1 {
		t.Fatalf("%d rename lines", n)
	}
	if err := h.client.SetNick("   "); err != ErrBadNick {
		t.Fatalf("blank nick: %v", err)
	}

	relay.drop()
	v = h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	if len(v.Members) != 1 || !v.Members[0].Me {
		t.Fatalf("offline members %v", v.Members)
	}
}

func TestClient_WelcomeLineOncePerConnection(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{})
	relay.welcome(t, wire.Welcome{}) // a stray second welcome
	relay.send(t, msg(1, "other", "barrier-1", "calm-fox", "after the stray welcome"))
	v := h.waitView("stray welcome handled", func(v View) bool { return len(messageLines(v)) == 1 })
	if n := countLines(v, LineSystem, "You joined #lobby as brave-otter"); n != 1 {
		t.Fatalf("%d welcome lines for one connection: %v", n, texts(v.Lines))
	}
	relay.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	h.connect(wire.Welcome{})
	v = h.client.View()
	if n := countLines(v, LineSystem, "You joined #lobby as brave-otter"); n != 2 {
		t.Fatalf("%d welcome lines for two connections: %v", n, texts(v.Lines))
	}
}

func TestClient_ForeignData_ShownWithoutCrashing(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{Peers: []wire.Peer{peer("c-x", "xcid", "xavier", "")}})
	raw := func(seq uint64, id, data string) wire.Msg {
		return wire.Msg{Type: wire.TypeMsg, Seq: seq, Conn: "c-x", CID: "xcid", ID: id, Data: json.RawMessage(data)}
	}
	relay.sendRaw(t, "not json at all\n{\"type\":\"msg\",\"seq\":\"NaN\"}\n{\"type\":\"surprise\"}") // unreadable objects are skipped
	relay.send(t, raw(1, "a", `42`), raw(2, "b", `"just a string"`), raw(3, "c", `{"body":"x"}`),
		raw(4, "d", `{"nick":7,"text":"typed wrong nick"}`), raw(5, "e", `null`))
	v := h.waitView("five", func(v View) bool { return len(messageLines(v)) == 5 })
	want := []string{"xavier: 42 [delivered]", "xavier: just a string [delivered]", `xavier: {"body":"x"} [delivered]`,
		"xavier: typed wrong nick [delivered]", "xavier: null [delivered]"}
	if got := texts(messageLines(v)); !slices.Equal(got, want) {
		t.Fatalf("lines %q, want %q", got, want)
	}
	if v.State != StateOnline {
		t.Fatalf("state %v", v.State)
	}
}

func TestClient_Changed_CoalescesBursts(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{})
	for i := range 100 {
		relay.send(t, msg(uint64(i+1), "other", string(rune('a'+i%26))+string(rune('0'+i/26)), "calm-fox", "x"))
	}
	h.waitView("100", func(v View) bool { return len(messageLines(v)) == 100 })
	if n := len(h.client.Changed()); n > 1 {
		t.Fatalf("%d pending signals, the channel must hold at most one", n)
	}
}

// TestClient_Presence_BigRoom: in a room past the relay's presence limit
// the client shows the relay's count and bounded list, applies coalesced
// presence (skipping its own conn, with no line per person), and keeps
// counting joins and leaves once the room is small again.
func TestClient_Presence_BigRoom(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{Conn: "c-me", Count: 500, Peers: []wire.Peer{
		peer("c-1", "ann-cid", "ann", ""),
		peer("c-2", "bob-cid", "bob", ""),
	}})
	if v := h.client.View(); v.People != 500 || len(v.Members) != 3 {
		t.Fatalf("people %d, members %v; want 500 and ann, bob, me", v.People, nicks(v))
	}
	relay.send(t, wire.Presence{Type: wire.TypePresence, Count: 480,
		Peers: []wire.Peer{peer("c-3", "cyd-cid", "cyd", ""), peer("c-me", "me-cid", "ghost", "")},
		Gone:  []string{"c-1"}})
	v := h.waitView("presence applied", func(v View) bool { return v.People == 480 })
	if got := nicks(v); !slices.Equal(got, []string{"bob", "brave-otter", "cyd"}) {
		t.Fatalf("members %v", got)
	}
	if hasLine(v, LineSystem, "ann left") || hasLine(v, LineSystem, "cyd joined") {
		t.Fatalf("a line per person in a big room: %v", texts(v.Lines))
	}
	relay.send(t, wire.Presence{Type: wire.TypePresence, Count: 3})
	h.waitView("small again", func(v View) bool { return v.People == 3 })
	relay.send(t, wire.Join{Type: wire.TypeJoin, Peer: peer("c-4", "dan-cid", "dan", "")})
	h.waitView("join counted", func(v View) bool { return v.People == 4 && len(v.Members) == 4 })
}
