package relay

import (
	"context"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// TestNATS_ForgedInput_DroppedCountedNeverDelivered publishes what no
// relay would straight to a room's subject and to the presence subject:
// nothing of it reaches a client, each is counted, the members stay, the
// next valid msg arrives, and a replay across the dropped seqs is
// complete.
func TestNATS_ForgedInput_DroppedCountedNeverDelivered(t *testing.T) {
	n := startNATS(t)
	tr := startNATSRelay(t, n, Config{})
	nc, js := natsClient(t, n)
	const room = "forged"
	ann, _ := joinRoom(t, tr, room, "ann")
	ann.pub("a1", 1)
	ann.skipTo(wire.TypeMsg)

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	forged := [][]byte{
		[]byte(`,"conn":"0000000000000001","cid":"x","id":"f1","data":`),                        // not JSON
		[]byte(",\"conn\":\"0000000000000001\",\"cid\":\"x\",\"id\":\"f2\",\"data\":\n1}"),      // a raw line break
		[]byte(`,"conn":"0000000000000001","cid":"x","id":"f3","data":1,"type":"join"}`),        // another object
		[]byte(",\"conn\":\"0000000000000001\",\"cid\":\"x\",\"id\":\"f4\",\"data\":\"\xff\"}"), // not UTF-8
		[]byte(`,"conn":"not a conn!","cid":"x","id":"f5","data":1}`),                           // an invalid conn
	}
	for _, data := range forged {
		if _, err := js.Publish(ctx, roomSubject(room), data); err != nil {
			t.Fatal(err)
		}
	}
	for _, ev := range []string{
		`{"relay":"evil","kind":"join","v":1,"room":"forged","peer":{"conn":"bad conn","cid":"x","at":1}}`,
		`{"relay":"evil","kind":"explode","room":"forged"}`,
		`not json`,
	} {
		if err := nc.Publish(presenceSubject, []byte(ev)); err != nil {
			t.Fatal(err)
		}
	}
	publishTail(t, js, room, "0000000000000001", "other", "ok", `"valid"`)

	next := ann.next()
	if next.Type != wire.TypeMsg || next.ID != "ok" || next.Seq != 7 {
		t.Fatalf("after the forged input ann got %+v, want the valid msg at seq 7", next)
	}
	// 5 msgs and 3 presence events; presence arrives on its own
	// subscription, so it may be counted after the valid msg is delivered.
	waitMetric(t, tr, "relay_broker_invalid_total", "8")

	late, w := joinRoom(t, tr, room, "late", "since", "0")
	if !w.Recovered || w.Seq != 7 {
		t.Fatalf("welcome = %+v, want seq 7 recovered: a dropped msg is no hole", w)
	}
	if m := late.expect(wire.TypeMsg); m.Seq != 1 {
		t.Fatalf("replay = %+v, want seq 1", m)
	}
	if m := late.expect(wire.TypeMsg); m.Seq != 7 || m.ID != "ok" {
		t.Fatalf("replay = %+v, want the valid msg at seq 7 and nothing forged", m)
	}
	ann.expect(wire.TypeJoin) // late, and nothing else
	ann.quiet()
}
