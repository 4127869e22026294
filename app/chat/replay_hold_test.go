package chat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// replayClient is a Client with a session as runSession would open it, for
// feeding frames to handleFrame one by one: each call signals (or not)
// before it returns, so what the UI would be told is known after each frame.
func replayClient(t *testing.T) (*Client, *session, *manualClock) {
	t.Helper()
	o := defaultOptions()
	clock := newManualClock()
	o.Clock, o.Transport = clock, newFakeTransport()
	c := New(o)
	s := &session{wake: make(chan struct{}, 1), dead: make(chan struct{})}
	c.mu.Lock()
	c.sess = s
	c.mu.Unlock()
	signalled(c) // New's own changes are not the replay's
	return c, s, clock
}

// objectsFrame joins objects into one '\n'-separated frame, as the relay
// batches them.
func objectsFrame(t *testing.T, objects ...any) []byte {
	t.Helper()
	var frames [][]byte
	for _, o := range objects {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, b)
	}
	return bytes.Join(frames, []byte{'\n'})
}

// signalled reports whether the client signalled a change since the last call.
func signalled(c *Client) bool {
	select {
	case <-c.Changed():
		return true
	default:
		return false
	}
}

func replayMsg(seq uint64) wire.Msg {
	return msg(seq, "other-cid", fmt.Sprintf("m%d", seq), "other", fmt.Sprintf("message %d", seq))
}

// A replay that comes as the welcome with its older half, then (on a shared
// connection) the made-up answer to the signals probe, then the newer half,
// is shown once: the first signal comes with the newest message.
func TestClient_Replay_SplitAcrossFramesSignalsOnceWithTheNewest(t *testing.T) {
	c, s, clock := replayClient(t)
	welcome := wire.Welcome{Type: wire.TypeWelcome, Room: "lobby", Conn: "c-me", Epoch: testEpoch, Seq: 4}
	c.handleFrame(s, objectsFrame(t, welcome, replayMsg(1), replayMsg(2)))
	if signalled(c) {
		t.Fatal("the View was signalled with half of the replay")
	}
	probeAnswer := wire.ServerFrame{Type: wire.TypeError, Room: "lobby", Code: wire.CodeAlreadySubscribed, Text: "already in this room"}
	c.handleFrame(s, objectsFrame(t, probeAnswer))
	if signalled(c) {
		t.Fatal("the View was signalled by the probe's answer in the middle of the replay")
	}
	c.handleFrame(s, objectsFrame(t, replayMsg(3), replayMsg(4)))
	if !signalled(c) {
		t.Fatal("no signal once the replay reached the welcome's seq")
	}
	v := c.View()
	if v.State != StateOnline || !hasLine(v, LineMessage, "message 4") || !hasLine(v, LineMessage, "message 1") {
		t.Fatalf("after the replay: state %v, lines %+v", v.State, v.Lines)
	}
	// Written after the page could draw it, not before.
	if h := loadHistory(c.store, "lobby"); len(h.Messages) != 0 {
		t.Fatalf("the replay was stored before the signal: %+v", h)
	}
	clock.Advance(DefaultPersistDelay)
	if h := loadHistory(c.store, "lobby"); len(h.Messages) != 4 || h.Seq != 4 {
		t.Fatalf("stored after the replay: %+v", h)
	}
	// Live messages after the replay are shown as they come.
	c.handleFrame(s, objectsFrame(t, replayMsg(5)))
	if !signalled(c) {
		t.Fatal("a live message after the replay was not signalled")
	}
}

// A replay that stops short of the welcome's seq (the relay's log failed)
// is shown after DefaultReplayHold, and written to the store then.
func TestClient_Replay_ShortReplayShowsAfterTheHold(t *testing.T) {
	c, s, clock := replayClient(t)
	welcome := wire.Welcome{Type: wire.TypeWelcome, Room: "lobby", Conn: "c-me", Epoch: testEpoch, Seq: 9}
	c.handleFrame(s, objectsFrame(t, welcome, replayMsg(1), replayMsg(2)))
	clock.Advance(DefaultReplayHold - 1)
	if signalled(c) {
		t.Fatal("signalled before the replay was in or the hold was over")
	}
	clock.Advance(1)
	if !signalled(c) {
		t.Fatal("no signal after DefaultReplayHold")
	}
	if v := c.View(); v.State != StateOnline || !hasLine(v, LineMessage, "message 2") {
		t.Fatalf("after the hold: state %v, lines %+v", v.State, v.Lines)
	}
	if h := loadHistory(c.store, "lobby"); len(h.Messages) != 0 {
		t.Fatalf("stored with the hold's end, before the page could draw it: %+v", h)
	}
	clock.Advance(DefaultPersistDelay)
	if h := loadHistory(c.store, "lobby"); len(h.Messages) != 2 || h.Seq != 2 {
		t.Fatalf("stored after the hold: %+v", h)
	}
}

// A welcome with nothing to replay (the client has everything up to its
// seq) is shown at once.
func TestClient_Replay_NothingToReplaySignalsAtOnce(t *testing.T) {
	c, s, _ := replayClient(t)
	welcome := wire.Welcome{Type: wire.TypeWelcome, Room: "lobby", Conn: "c-me", Epoch: testEpoch, Seq: 0}
	c.handleFrame(s, objectsFrame(t, welcome))
	if !signalled(c) {
		t.Fatal("a welcome without a replay was not signalled")
	}
}
