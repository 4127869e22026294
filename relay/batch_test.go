package relay

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// TestServer_Batch_QueuedObjectsShareFrames: what is queued for a member
// when its writer runs (here: welcome and replay) goes out in as few frames
// as fit in max_message, objects separated by '\n'.
func TestServer_Batch_QueuedObjectsShareFrames(t *testing.T) {
	const maxMessage = 1024
	tr := startRelay(t, Config{MaxMessage: maxMessage})
	fillRoom(t, tr, "b", 3) // small messages: welcome + 3 replayed fit in one frame

	conn, _, err := tr.dialRaw(query("b", "reader", "since", "0"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	ctx := context.Background()
	_, frame, err := conn.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := countObjects(t, frame); n != 4 {
		t.Fatalf("first frame holds %d objects, want welcome + 3 msgs batched:\n%s", n, frame)
	}

	// Big messages: each frame stays within max_message.
	big := tr.dial(t, query("b2", "filler"))
	big.expect(wire.TypeWelcome)
	for i := range 6 {
		big.pub(fmt.Sprint(i), strings.Repeat("x", 300))
		big.expect(wire.TypeMsg)
	}
	conn2, _, err := tr.dialRaw(query("b2", "reader", "since", "0"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.CloseNow()
	objects := 0
	for objects < 7 {
		_, frame, err := conn2.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(frame) > maxMessage {
			t.Fatalf("batched frame of %d bytes exceeds max_message %d", len(frame), maxMessage)
		}
		objects += countObjects(t, frame)
	}
	if objects != 7 {
		t.Fatalf("%d objects, want welcome + 6 msgs", objects)
	}
	_ = conn2.Close(websocket.StatusNormalClosure, "")
}

func countObjects(t *testing.T, frame []byte) int {
	t.Helper()
	n := 0
	_ = wire.Split(frame, func([]byte) error { n++; return nil })
	return n
}
