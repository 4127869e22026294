package relay

import (
	"context"
	"errors"
	"fmt"
	"testing"

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
	var seqs []uint64
	for seq := uint64(0); seq < w.Seq; {
		seq = back.expect(wire.TypeMsg).Seq
		seqs = append(seqs, seq)
	}
	back.pub("a4", 4)
	live := back.skipTo(wire.TypeMsg)
	seqs = append(seqs, live.Seq)
	for i, seq := range seqs {
		if seq != uint64(i+1) {
			t.Fatalf("seqs after the stream was recreated: %v, want 1, 2, 3: none skipped", seqs)
		}
	}
	if len(seqs) != 3 || live.ID != "a4" {
		t.Fatalf("seqs %v, live %+v: want the two msgs of the other relay, then a4 at seq 3", seqs, live)
	}
}
