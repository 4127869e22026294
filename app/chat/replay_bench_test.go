package chat

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// Opening a room that this browser has not stored yet: the relay sends the
// welcome and a replay of the room's 500 messages, in as many frames as its
// 64 KiB frame limit needs, and the room shows once the last of them is in
// (replay_hold.go). What the client does with them comes before the first
// paint of the room, on the page's one thread. Run natively and in Chromium
// (app.wasm's build flags: no inlining):
//
//	go test -run '^$' -bench Replay500 ./app/chat/
//	GOOS=js GOARCH=wasm go test -gcflags=all=-l -exec wasmbrowsertest -run '^$' -bench Replay500 ./app/chat/

// BenchmarkClient_Replay500 applies a 500-message replay as the relay
// sends it on a shared connection (BenchmarkOpenRoom's messages, the
// objects naming their room) to a new Client, and takes the View the room
// shows with. "write" is the history's write to the Store that follows,
// DefaultPersistDelay later.
func BenchmarkClient_Replay500(b *testing.B) {
	const room = "speed-history-0"
	frames := replayFrames(b, room, MaxHistory)
	intake := func(b *testing.B) *Client {
		clock := newManualClock()
		c := New(Options{Room: room, CID: "reader", Nick: "Reader", Store: NewMemoryStore(), Clock: clock})
		s := &session{wake: make(chan struct{}, 1)}
		for _, f := range frames {
			c.handleFrame(s, f)
		}
		v := c.View()
		if len(v.Lines) != MaxViewLines || v.Lines[len(v.Lines)-1].Text != fmt.Sprintf("message %d of %d in the history of %s", MaxHistory, MaxHistory, room) {
			b.Fatalf("%d lines, the last %q", len(v.Lines), v.Lines[len(v.Lines)-1].Text)
		}
		return c
	}
	b.Run("intake", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			intake(b)
		}
	})
	b.Run("write", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			c := intake(b)
			b.StartTimer()
			c.mu.Lock()
			err := c.persistHistoryLocked()
			c.mu.Unlock()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// replayFrames is what the relay sends a Client that subscribes to room
// on a shared connection when room holds n messages: the welcome, then the
// messages batched into frames of at most 64 KiB.
func replayFrames(tb testing.TB, room string, n int) [][]byte {
	tb.Helper()
	const frameLimit = 64 << 10
	welcome, err := json.Marshal(wire.Welcome{Type: wire.TypeWelcome, Conn: "c-reader", Room: room, Seq: uint64(n), PingMS: 25000, MaxMessage: 65536, Epoch: "e1"})
	if err != nil {
		tb.Fatal(err)
	}
	var frames [][]byte
	frame := welcome
	for i := 1; i <= n; i++ {
		data := encodeJSON(messageData{Nick: "Sender", Text: fmt.Sprintf("message %d of %d in the history of %s", i, n, room)})
		object := fmt.Appendf(nil, `{"type":"msg","room":%q,"seq":%d,"ts":%d,"conn":"c-sender","cid":"history-sender-0","id":"h%d","data":%s}`,
			room, i, 1_796_000_000_000+int64(i), i, data)
		if len(frame)+1+len(object) > frameLimit {
			frames = append(frames, frame)
			frame = nil
		}
		if len(frame) > 0 {
			frame = append(frame, '\n')
		}
		frame = append(frame, object...)
	}
	return append(frames, frame)
}

// TestClient_Replay500_AllocatesLittlePerMessage: taking in a replay into
// a room with nothing stored allocates what each message keeps (its
// strings, its thread entry) and the room for all of them once, not
// copies of every object and message as the slices and maps grow, nor
// the same room, conn, cid and nick again for each message: in the
// browser each allocation brings Go's next collection nearer, on the
// page's one thread, before the room shows. Before this test 13 per
// message.
func TestClient_Replay500_AllocatesLittlePerMessage(t *testing.T) {
	const room = "speed-history-0"
	frames := replayFrames(t, room, MaxHistory)
	allocs := testing.AllocsPerRun(3, func() {
		c := New(Options{Room: room, CID: "reader", Nick: "Reader", Store: NewMemoryStore(), Clock: newManualClock()})
		s := &session{wake: make(chan struct{}, 1)}
		for _, f := range frames {
			c.handleFrame(s, f)
		}
	})
	if per := allocs / MaxHistory; per > 6 {
		t.Errorf("%.1f allocations per message of a replay, want at most 6", per)
	}
}
