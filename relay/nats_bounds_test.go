package relay

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/chatpwa/chat/relay/wire"
)

// natsClient connects a test's own client to n, closed when the test ends.
func natsClient(t *testing.T, n *testNATS) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(n.url)
	if err != nil {
		t.Fatalf("nats connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return nc, js
}

// TestNATS_Stream_BoundedThenRemovedWhenIdle checks that a room's stream
// carries the relay's three limits, and that once the room is idle past
// -history-age (no member anywhere, every message expired) its stream is
// removed: NATS storage is bounded by the rooms in use.
func TestNATS_Stream_BoundedThenRemovedWhenIdle(t *testing.T) {
	n := startNATS(t)
	const age = 400 * time.Millisecond
	tr := startNATSRelay(t, n, Config{History: 7, RoomHistoryBytes: 8 << 10, HistoryAge: age})
	nc, js := natsClient(t, n)
	deleted, err := nc.SubscribeSync("$JS.EVENT.ADVISORY.STREAM.DELETED." + roomStream("idle"))
	if err != nil {
		t.Fatal(err)
	}

	c, _ := joinRoom(t, tr, "idle", "a")
	c.pub("1", 1)
	c.skipTo(wire.TypeMsg)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	stream, err := js.Stream(ctx, roomStream("idle"))
	if err != nil {
		t.Fatalf("room stream: %v", err)
	}
	cfg := stream.CachedInfo().Config
	if cfg.MaxMsgs != 7 || cfg.MaxBytes != 8<<10 || cfg.MaxAge != age {
		t.Errorf("stream limits MaxMsgs %d MaxBytes %d MaxAge %v, want 7, %d, %v", cfg.MaxMsgs, cfg.MaxBytes, cfg.MaxAge, 8<<10, age)
	}

	c.leave()
	if _, err := deleted.NextMsg(waitTimeout); err != nil {
		t.Fatalf("idle room's stream not removed: %v", err)
	}
	// JetStream announces the deletion before it has finished; the relay
	// counts it once DeleteStream has answered. A join in between may still
	// find the old stream (PROTOCOL.md, "idle streams"): wait for the count.
	waitMetric(t, tr, "relay_broker_streams_removed_total", "1")
	// The room comes back with a new stream, in a new seq space.
	back, w := joinRoom(t, tr, "idle", "b", "since", "1")
	if w.Recovered || w.Seq != 0 {
		t.Errorf("welcome into the recreated room = %+v, want seq 0 not recovered", w)
	}
	back.leave()
}
