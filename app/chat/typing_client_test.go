package chat

import (
	"encoding/json"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// TestClient_TypingOverSignals: after the welcome the client asks, once,
// whether the relay relays signals (a sub of its own room); answered
// already_subscribed, a draft says "typing" as a signal. Another member's
// signal shows as the typing line, which goes when they stop being heard
// from and when their message arrives.
func TestClient_TypingOverSignals(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{Room: "lobby", Peers: []wire.Peer{peer("c-ada", "ada-cid", "Ada", "")}})
	if probe := relay.nextOf(t, wire.TypeSub); probe.Room != "lobby" {
		t.Fatalf("the probe subs %q, want the room it is in", probe.Room)
	}
	// The answer, then a join that shows once the answer was read.
	relay.send(t, wire.ServerFrame{Type: wire.TypeError, Code: wire.CodeAlreadySubscribed, Room: "lobby"},
		wire.Join{Type: wire.TypeJoin, Peer: peer("c-bob", "bob-cid", "Bob", "")})
	h.waitView("Bob joined", func(v View) bool { return hasLine(v, LineSystem, "Bob joined") })

	h.client.DraftChanged("h")
	if f := relay.nextOf(t, wire.TypeSignal); string(f.Data) != `{"typing":true}` || f.Room != "" {
		t.Fatalf("typing signal %+v", f)
	}
	h.client.DraftChanged("he") // within TypingInterval: nothing new
	if err := h.client.Send("hello"); err != nil {
		t.Fatal(err)
	}
	if f := relay.next(t); f.Type != wire.TypePub {
		t.Fatalf("after a send the client wrote %+v, want the pub", f)
	}

	signal := func(conn, cid, data string) wire.ServerFrame {
		return wire.ServerFrame{Type: wire.TypeSignal, Conn: conn, CID: cid, Data: json.RawMessage(data)}
	}
	relay.send(t, signal("c-ada", "ada-cid", `{"typing":true}`))
	h.waitView("Ada typing", func(v View) bool { return v.Typing == "Ada is typing…" })
	relay.send(t, signal("c-bob", "bob-cid", `{"typing":true}`), signal("c-bob", "bob-cid", `{"read":7}`))
	h.waitView("both typing", func(v View) bool { return v.Typing == "Ada and Bob are typing…" })

	relay.send(t, msg(1, "bob-cid", "b1", "Bob", "done"))
	h.waitView("Bob's message clears him", func(v View) bool { return v.Typing == "Ada is typing…" })
	h.clock.Advance(TypingTimeout)
	h.waitView("Ada forgotten", func(v View) bool { return v.Typing == "" })
}

// TestClient_NoSignalsOnARelayWithout: a relay without the extension answers
// the probe bad_frame without a room; the client then never sends a signal
// (each would cost a strike).
func TestClient_NoSignalsOnARelayWithout(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{Room: "lobby"})
	relay.nextOf(t, wire.TypeSub)
	relay.send(t, wire.ServerFrame{Type: wire.TypeError, Code: wire.CodeBadFrame, Text: `unknown type "sub"`},
		wire.Join{Type: wire.TypeJoin, Peer: peer("c-bob", "bob-cid", "Bob", "")})
	h.waitView("Bob joined", func(v View) bool { return hasLine(v, LineSystem, "Bob joined") })

	h.client.DraftChanged("h")
	if err := h.client.Send("hello"); err != nil {
		t.Fatal(err)
	}
	if f := relay.next(t); f.Type != wire.TypePub {
		t.Fatalf("the client wrote %+v, want the pub and no signal", f)
	}
}
