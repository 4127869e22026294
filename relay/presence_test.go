package relay

import (
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

func TestServer_Welcome_PeersJoinLeaveMeta(t *testing.T) {
	const secret = "presence-secret"
	tr := startRelay(t, Config{Secret: secret})
	token := func(name string) string {
		tok, err := IssueToken(secret, "club", name, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	named := tr.dial(t, query("club", "named", "token", token("Grace")))
	namedConn := named.expect(wire.TypeWelcome).Conn
	named.send(`{"type":"meta","data":{"status":"away"}}`)
	named.expect(wire.TypeMeta)

	anon := tr.dial(t, query("club", "anon", "token", token("")))
	w := anon.expect(wire.TypeWelcome)
	if len(w.Peers) != 1 {
		t.Fatalf("peers = %+v", w.Peers)
	}
	if p := w.Peers[0]; p.Conn != namedConn || p.CID != "named" || p.Name != "Grace" || string(p.Meta) != `{"status":"away"}` {
		t.Fatalf("peer = %+v", p)
	}
	anonConn := w.Conn
	j := named.expect(wire.TypeJoin)
	if j.Peer.Conn != anonConn || j.Peer.CID != "anon" || j.Peer.Name != "" || string(j.Peer.Meta) != "null" {
		t.Fatalf("join = %+v", j.Peer)
	}

	// A meta change reaches everyone, its author included.
	anon.send(`{"type":"meta","data":"typing"}`)
	for _, c := range []*testClient{named, anon} {
		if m := c.expect(wire.TypeMeta); m.Conn != anonConn || string(m.Meta) != `"typing"` {
			t.Fatalf("meta = %+v", m)
		}
	}
	// A later welcome shows the latest meta.
	third := tr.dial(t, query("club", "third", "token", token("")))
	w = third.expect(wire.TypeWelcome)
	if len(w.Peers) != 2 || string(w.Peers[1].Meta) != `"typing"` {
		t.Fatalf("third's peers = %+v", w.Peers)
	}
	named.expect(wire.TypeJoin)
	anon.expect(wire.TypeJoin)

	named.close() // abrupt: no close handshake
	for _, c := range []*testClient{anon, third} {
		if l := c.expect(wire.TypeLeave); l.Conn != namedConn || l.CID != "named" {
			t.Fatalf("leave = %+v", l)
		}
	}
	third.leave()
	if l := anon.expect(wire.TypeLeave); l.CID != "third" {
		t.Fatalf("leave = %+v", l)
	}
	anon.quiet()
}
