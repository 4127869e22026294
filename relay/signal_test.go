package relay

import (
	"context"
	"strings"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// twoRelays returns two relays sharing rooms over a real NATS server, or,
// without NATS, one in-memory relay twice.
func twoRelays(t *testing.T, overNATS bool, cfg Config) (*testRelay, *testRelay) {
	t.Helper()
	if !overNATS {
		tr := startRelay(t, cfg)
		return tr, tr
	}
	n := startNATS(t)
	return startNATSRelay(t, n, cfg), startNATSRelay(t, n, cfg)
}

// TestSignal_ReachesOthersNotSenderNotStored: a signal reaches the room's
// other members, on this relay and others, naming its room only on
// connections that sent sub; not the sender, not other rooms; it takes no
// seq and a later joiner with since=0 does not get it.
func TestSignal_ReachesOthersNotSenderNotStored(t *testing.T) {
	for _, overNATS := range []bool{false, true} {
		name := map[bool]string{false: "memory", true: "nats"}[overNATS]
		t.Run(name, func(t *testing.T) {
			r1, r2 := twoRelays(t, overNATS, Config{})
			ada, aw := joinRoom(t, r1, "s", "ada")
			ada.send(subFrame("t", -1, "", ""))
			ada.expectIn("t", wire.TypeWelcome)
			bob, bw := joinRoom(t, r2, "t", "bob")
			cyd, cw := joinRoom(t, r2, "s", "cyd")
			// Each relay's view of the rooms is complete once the joins
			// arrived (over NATS, presence may come a little later).
			joined := map[string]bool{}
			ada.until(func(f wire.ServerFrame) bool {
				if f.Type == wire.TypeJoin {
					joined[f.Peer.Conn] = true
				}
				return joined[bw.Conn] && joined[cw.Conn]
			})
			if !hasPeer(bw.Peers, aw.Conn) {
				bob.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeJoin && f.Peer.Conn == aw.Conn })
			}

			bob.send(`{"type":"signal","data":{"typing":true}}`) // bob's first room: t
			if f := ada.skipTo(wire.TypeSignal); f.Room != "t" || f.Conn != bw.Conn || f.CID != "bob" || string(f.Data) != `{"typing":true}` {
				t.Fatalf("ada got %+v, want bob's signal in t", f)
			}
			ada.send(`{"type":"signal","room":"s","data":{"read":7}}`)
			if f := cyd.skipTo(wire.TypeSignal); f.Room != "" || f.Conn != aw.Conn || f.CID != "ada" || string(f.Data) != `{"read":7}` {
				t.Fatalf("cyd got %+v, want ada's signal without room", f)
			}
			bob.quiet()
			ada.quiet() // nor its own signal
			cyd.quiet() // nor t's signal

			// Not stored: a joiner with since=0 gets an empty room, no signal.
			dan, dw := joinRoom(t, r1, "t", "dan", "since", "0")
			if dw.Seq != 0 || !dw.Recovered {
				t.Fatalf("welcome %+v, want an empty room", dw)
			}
			dan.quiet()
			if overNATS {
				js := *r1.natsConn().js.Load()
				stream, err := js.Stream(context.Background(), roomStream("t"))
				if err != nil {
					t.Fatal(err)
				}
				info, err := stream.Info(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if info.State.Msgs != 0 {
					t.Fatalf("room stream holds %d msgs, want none: signals never go to JetStream", info.State.Msgs)
				}
			}
		})
	}
}

// TestSignal_SizeAndRateLimits: a signal over 1 KB or over the signal rate
// is refused with an error naming its room, and the connection stays; pubs
// keep their own rate.
func TestSignal_SizeAndRateLimits(t *testing.T) {
	tr := startRelay(t, Config{SignalRate: 0.001, SignalBurst: 2})
	ada, _ := joinRoom(t, tr, "s", "ada")
	ada.send(subFrame("t", -1, "", ""))
	ada.expectIn("t", wire.TypeWelcome)
	bob, _ := joinRoom(t, tr, "t", "bob")
	ada.expectIn("t", wire.TypeJoin)

	big := `"` + strings.Repeat("x", wire.MaxSignalData-1) + `"`
	ada.send(`{"type":"signal","room":"t","data":` + big + `}`)
	ada.expectError("t", wire.CodeTooBig)
	fits := `"` + strings.Repeat("x", wire.MaxSignalData-2) + `"`
	ada.send(`{"type":"signal","room":"t","data":` + fits + `}`)
	if f := bob.expect(wire.TypeSignal); len(f.Data) != wire.MaxSignalData {
		t.Fatalf("bob got %d bytes of data, want %d", len(f.Data), wire.MaxSignalData)
	}
	ada.send(`{"type":"signal","room":"t","data":1}`)
	bob.expect(wire.TypeSignal)
	ada.send(`{"type":"signal","room":"t","data":2}`)
	ada.expectError("t", wire.CodeRateLimited)
	ada.send(`{"type":"signal","room":"u","data":3}`)
	ada.expectError("u", wire.CodeNotSubscribed)
	bob.quiet()

	ada.pubIn("t", "m1", "still here")
	ada.expectIn("t", wire.TypeMsg)
	if f := bob.expect(wire.TypeMsg); f.ID != "m1" {
		t.Fatalf("bob got %+v", f)
	}
}
