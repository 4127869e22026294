package relay

import (
	"fmt"
	"sync"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

func TestServer_Broadcast_RoomIsolation(t *testing.T) {
	tr := startRelay(t, Config{})
	a1 := tr.dial(t, query("room-a", "a1"))
	a1.expect(wire.TypeWelcome)
	a2 := tr.dial(t, query("room-a", "a2"))
	a2.expect(wire.TypeWelcome)
	a1.expect(wire.TypeJoin)
	b1 := tr.dial(t, query("room-b", "b1"))
	if w := b1.expect(wire.TypeWelcome); len(w.Peers) != 0 {
		t.Fatalf("room-b welcome lists peers of room-a: %+v", w.Peers)
	}

	a1.pub("x", "for room a")
	for _, c := range []*testClient{a1, a2} {
		if m := c.expect(wire.TypeMsg); m.ID != "x" || string(m.Data) != `"for room a"` {
			t.Fatalf("msg = %+v", m)
		}
	}
	b1.pub("y", "for room b")
	if m := b1.expect(wire.TypeMsg); m.Seq != 1 || m.ID != "y" {
		t.Fatalf("room-b has its own seq space, got %+v", m)
	}
	for _, c := range []*testClient{a1, a2, b1} {
		c.quiet()
	}
}

func TestServer_Pub_EchoWithID(t *testing.T) {
	tr := startRelay(t, Config{})
	alone := tr.dial(t, query("echo", "solo"))
	w := alone.expect(wire.TypeWelcome)
	alone.pub("msg-1", map[string]any{"text": "to myself", "n": 1})
	m := alone.expect(wire.TypeMsg)
	if m.ID != "msg-1" || m.Conn != w.Conn || m.CID != "solo" || m.Seq != 1 || string(m.Data) != `{"n":1,"text":"to myself"}` {
		t.Fatalf("echo = %+v", m)
	}
	alone.send(`{"type":"pub","id":"no-data"}`)
	if m := alone.expect(wire.TypeMsg); m.ID != "no-data" || string(m.Data) != "null" {
		t.Fatalf("pub without data echoed as %+v, want data null", m)
	}
}

// TestServer_Seq_StrictlyIncreasing has two members publish concurrently:
// every member sees one strictly increasing seq sequence, the same for all.
func TestServer_Seq_StrictlyIncreasing(t *testing.T) {
	const perPublisher = 100
	tr := startRelay(t, Config{Rate: 1e6, Burst: 1e6})
	clients := make([]*testClient, 3)
	for i := range clients {
		clients[i] = tr.dial(t, query("seq", fmt.Sprintf("c%d", i)))
		clients[i].expect(wire.TypeWelcome)
	}
	clients[0].skipTo(wire.TypeJoin)
	clients[0].skipTo(wire.TypeJoin)
	clients[1].skipTo(wire.TypeJoin)

	var wg sync.WaitGroup
	for _, p := range clients[:2] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perPublisher {
				// Not p.pub: Fatalf must not run off the test goroutine.
				if err := p.write(fmt.Sprintf(`{"type":"pub","id":"m%d","data":%d}`, i, i)); err != nil {
					t.Errorf("publish: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()

	var orders [][]string
	for _, c := range clients {
		var order []string
		var last uint64
		for range 2 * perPublisher {
			m := c.skipTo(wire.TypeMsg)
			if m.Seq <= last {
				t.Fatalf("seq %d after %d", m.Seq, last)
			}
			last = m.Seq
			order = append(order, m.CID+"/"+m.ID)
		}
		if last != 2*perPublisher {
			t.Fatalf("last seq %d, want %d", last, 2*perPublisher)
		}
		orders = append(orders, order)
	}
	for i := 1; i < len(orders); i++ {
		for j := range orders[0] {
			if orders[i][j] != orders[0][j] {
				t.Fatalf("member %d saw %s at position %d, member 0 saw %s", i, orders[i][j], j, orders[0][j])
			}
		}
	}
}
