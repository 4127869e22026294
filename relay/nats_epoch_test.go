package relay

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/chatpwa/chat/relay/wire"
)

// publishTail publishes a msg tail straight to a room's subject, as
// another relay would.
func publishTail(t *testing.T, js jetstream.JetStream, room, conn, cid, id string, data string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	tail := appendMsgTail(nil, conn, cid, encodeString(id), []byte(data))
	if _, err := js.Publish(ctx, roomSubject(room), tail); err != nil {
		t.Fatalf("publish to the stream: %v", err)
	}
}

// TestNATS_StreamRecreated_MembersResyncNoSeqSkipped deletes a room's
// stream under a live room and creates it again, with msgs, as another
// relay would. The members here are closed with 1013; coming back with
// since= and the old epoch they get recovered:false, then every msg of the
// new stream from seq 1, none skipped, and live msgs after it.
func TestNATS_StreamRecreated_MembersResyncNoSeqSkipped(t *testing.T) {
	n := startNATS(t)
	tr := startNATSRelay(t, n, Config{})
	_, js := natsClient(t, n)
	const room = "recreated"
	keepStreamsDir(t, tr)
	ann, w := joinRoom(t, tr, room, "ann")
	bob, _ := joinRoom(t, tr, room, "bob")
	ann.skipTo(wire.TypeJoin)
	oldEpoch := w.Epoch
	for i := 1; i <= 3; i++ {
		ann.pub(fmt.Sprint("a", i), i)
		ann.skipTo(wire.TypeMsg)
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := js.DeleteStream(ctx, roomStream(room)); err != nil {
		t.Fatalf("delete stream: %v", err)
	}
	// Another relay creates it again and publishes two msgs. The relay
	// here may have recreated it first: then it is used as it is.
	cfg := tr.hub.logs.(*natsLogs).streamConfig(room)
	if _, err := js.CreateStream(ctx, cfg); err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		t.Fatalf("create stream: %v", err)
	}
	publishTail(t, js, room, "0000000000000001", "other", "o1", `"first"`)
	publishTail(t, js, room, "0000000000000001", "other", "o2", `"second"`)

	ann.wantClose(websocket.StatusTryAgainLater)
	bob.wantClose(websocket.StatusTryAgainLater)

	back, w := joinRoom(t, tr, room, "ann", "since", "3", "epoch", oldEpoch)
	if w.Recovered || w.Epoch == oldEpoch {
		t.Fatalf("welcome after the stream was recreated = %+v, want a new epoch, recovered:false", w)
	}
	// ann may come back into the room before the relay delivered the new
	// stream's msgs here (its old session not yet gone, the room still
	// followed): they come live after welcome.seq rather than in the
	// replay. Either way each comes once, in seq order.
	back.pub("a4", 4)
	if got := msgsUntil(back, "a4"); got != "1:o1 2:o2 3:a4" {
		t.Fatalf("msgs after the stream was recreated (welcome.seq %d): %s, want 1:o1 2:o2 3:a4: none skipped, none twice", w.Seq, got)
	}
}

// keepStreamsDir gives the account a second room's stream. After a
// deletion nats-server removes the account's streams directory in the
// background when it is empty, and a stream created meanwhile fails
// ("error creating store for stream"): a relay retries it at its next
// check, a test would fail.
func keepStreamsDir(t *testing.T, tr *testRelay) {
	t.Helper()
	joinRoom(t, tr, "kept", "keeper")
}

// orderedConsumerSilence is how long a room's ordered consumer (nats.go's
// default heartbeat, 5 s) goes without heartbeats before it reports an error.
const orderedConsumerSilence = 10 * time.Second

// msgsUntil returns the msgs c receives up to the one with id, as seq:id.
func msgsUntil(c *testClient, id string) string {
	c.t.Helper()
	var got []string
	for _, f := range c.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeMsg && f.ID == id }) {
		if f.Type == wire.TypeMsg {
			got = append(got, fmt.Sprintf("%d:%s", f.Seq, f.ID))
		}
	}
	return strings.Join(got, " ")
}

// TestNATS_StreamDeleted_CreatedAgainOnceTheDeletionIsOver deletes a
// room's stream under a live room, and nobody else creates it again.
// JetStream announces the deletion before it has moved the stream's files
// away: the relay waits an interval before it creates the stream again,
// which then is empty, in a new epoch, and takes pubs.
func TestNATS_StreamDeleted_CreatedAgainOnceTheDeletionIsOver(t *testing.T) {
	n := startNATS(t)
	tr := startNATSRelay(t, n, Config{})
	nc, js := natsClient(t, n)
	const room = "deleted"
	keepStreamsDir(t, tr)
	ann, w := joinRoom(t, tr, room, "ann")
	oldEpoch := w.Epoch
	for i := 1; i <= 3; i++ {
		ann.pub(fmt.Sprint("a", i), i)
		ann.skipTo(wire.TypeMsg)
	}
	created, err := nc.SubscribeSync(advisoryStreamCreated + roomStream(room))
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	deleting := time.Now()
	if err := js.DeleteStream(ctx, roomStream(room)); err != nil {
		t.Fatalf("delete stream: %v", err)
	}
	// JetStream may drop its advisory of the deletion (nats-server 2.15
	// queues it to the stream's sender and stops that sender at once):
	// the relay then notices at its consumer's missed heartbeats.
	if _, err := created.NextMsg(orderedConsumerSilence + waitTimeout); err != nil {
		t.Fatalf("the relay did not create the room's stream again: %v", err)
	}
	if waited := time.Since(deleting); waited < testPresenceInterval {
		t.Fatalf("the relay created the deleted stream again %v after the deletion, want at least an interval (%v)", waited, testPresenceInterval)
	}
	ann.wantClose(websocket.StatusTryAgainLater)

	back, w := joinRoom(t, tr, room, "ann", "since", "3", "epoch", oldEpoch)
	if w.Recovered || w.Epoch == oldEpoch || w.Seq != 0 {
		t.Fatalf("welcome after the stream was created again = %+v, want a new epoch, seq 0, recovered:false", w)
	}
	back.pub("a4", 4)
	if got := msgsUntil(back, "a4"); got != "1:a4" {
		t.Fatalf("msgs in the new stream: %s, want 1:a4", got)
	}
}
