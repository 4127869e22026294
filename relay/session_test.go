package relay

import (
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// TestServer_Session_WholeChat plays a whole chat in one room: three people
// arrive, name themselves, talk, and leave.
func TestServer_Session_WholeChat(t *testing.T) {
	tr := startRelay(t, Config{})

	ada := tr.dial(t, query("lobby", "ada"))
	w := ada.expect(wire.TypeWelcome)
	if w.Room != "lobby" || w.Conn == "" || w.Seq != 0 || len(w.Peers) != 0 || w.Recovered {
		t.Fatalf("first welcome = %+v", w)
	}
	if w.PingMS != DefaultPingInterval.Milliseconds() || w.MaxMessage != DefaultMaxMessage {
		t.Fatalf("welcome ping_ms=%d max_message=%d", w.PingMS, w.MaxMessage)
	}
	adaConn := w.Conn
	ada.send(`{"type":"meta","data":{"nick":"Ada"}}`)
	if m := ada.expect(wire.TypeMeta); m.Conn != adaConn || string(m.Meta) != `{"nick":"Ada"}` {
		t.Fatalf("meta confirmation = %+v", m)
	}

	bob := tr.dial(t, query("lobby", "bob"))
	w = bob.expect(wire.TypeWelcome)
	if len(w.Peers) != 1 || w.Peers[0].Conn != adaConn || w.Peers[0].CID != "ada" || string(w.Peers[0].Meta) != `{"nick":"Ada"}` {
		t.Fatalf("bob's welcome peers = %+v", w.Peers)
	}
	bobConn := w.Conn
	if j := ada.expect(wire.TypeJoin); j.Peer == nil || j.Peer.Conn != bobConn || j.Peer.CID != "bob" || string(j.Peer.Meta) != "null" {
		t.Fatalf("ada saw join %+v", j)
	}

	bob.pub("b1", map[string]string{"text": "hi Ada"})
	for _, c := range []*testClient{ada, bob} {
		m := c.expect(wire.TypeMsg)
		if m.Seq != 1 || m.Conn != bobConn || m.CID != "bob" || m.ID != "b1" || string(m.Data) != `{"text":"hi Ada"}` || m.TS == 0 {
			t.Fatalf("msg = %+v", m)
		}
	}
	ada.pub("a1", "hello Bob")
	for _, c := range []*testClient{ada, bob} {
		if m := c.expect(wire.TypeMsg); m.Seq != 2 || m.ID != "a1" || m.CID != "ada" {
			t.Fatalf("msg = %+v", m)
		}
	}

	cyd := tr.dial(t, query("lobby", "cyd", "since", "0"))
	w = cyd.expect(wire.TypeWelcome)
	if w.Seq != 2 || !w.Recovered || len(w.Peers) != 2 || w.Peers[0].CID != "ada" || w.Peers[1].CID != "bob" {
		t.Fatalf("cyd's welcome = %+v", w)
	}
	for seq := uint64(1); seq <= 2; seq++ {
		if m := cyd.expect(wire.TypeMsg); m.Seq != seq {
			t.Fatalf("replay seq %d, want %d", m.Seq, seq)
		}
	}
	ada.expect(wire.TypeJoin)
	bob.expect(wire.TypeJoin)

	bob.leave()
	for _, c := range []*testClient{ada, cyd} {
		if l := c.expect(wire.TypeLeave); l.Conn != bobConn || l.CID != "bob" {
			t.Fatalf("leave = %+v", l)
		}
	}
	cyd.send(`{"type":"ping"}`)
	cyd.expect(wire.TypePong)
	// Whitespace, newlines included, is compacted away: a '\n' inside a
	// relayed object would break batching.
	cyd.send("{\"type\":\"pub\",\"id\":\"c1\",\"data\":[1, 2,\n 3]}")
	for _, c := range []*testClient{ada, cyd} {
		if m := c.expect(wire.TypeMsg); m.Seq != 3 || string(m.Data) != `[1,2,3]` {
			t.Fatalf("msg = %+v", m)
		}
	}
	ada.quiet()
	cyd.quiet()
}
