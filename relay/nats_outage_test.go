package relay

import (
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestNATS_Outage_JoinLeaveChurnCompletes stops NATS and then joins and
// leaves rooms 100 times: nothing that waits for NATS holds a lock other
// rooms need, so rooms followed here keep taking members (welcome, join,
// leave), and a room that needs NATS refuses at once with 1013. The time
// is logged (a benchmark-type figure, not asserted); the test fails if the
// cycles do not complete at all.
func TestNATS_Outage_JoinLeaveChurnCompletes(t *testing.T) {
	n := startNATS(t)
	// A request to NATS would wait longer than any wait of the test: a
	// join or leave that waited on NATS would fail it.
	// 110 handshakes in a burst from one address: lift the per-address limit.
	tr := startNATSRelay(t, n, Config{BrokerTimeout: 3 * waitTimeout / 2, HandshakesPerIP: Unlimited})
	const rooms, cycles = 10, 100
	for i := range rooms {
		joinRoom(t, tr, fmt.Sprint("churn-", i), "resident")
	}
	n.stop()
	tr.waitReady(t, false)

	// Every dial and read below has its own deadline (waitTimeout).
	start := time.Now()
	for i := range cycles {
		if i%10 == 9 {
			// A room nobody here follows needs NATS: refused at once.
			c := tr.dial(t, query(fmt.Sprint("cold-", i), "churner"))
			c.wantClose(websocket.StatusTryAgainLater)
			continue
		}
		c, w := joinRoom(t, tr, fmt.Sprint("churn-", i%rooms), fmt.Sprint("churner-", i))
		if len(w.Peers) != 1 {
			t.Errorf("welcome during the outage lists %d peers, want the resident", len(w.Peers))
		}
		c.leave()
	}
	t.Logf("%d join/leave cycles across %d rooms with NATS stopped: %v", cycles, rooms, time.Since(start))
}
