package relay

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// The benchmarks measure the relay's hot paths in process; relay-bench
// (cmd/relay-bench) measures the whole relay over real sockets. Run them with
//
//	go test -run '^$' -bench . ./relay/
//
// They do not run in a normal go test.

// benchPubFrame is a typical client pub: a short text and a nick.
var benchPubFrame = []byte(`{"type":"pub","id":"ada-7f3-000123","data":{"text":"hello, how is everyone today?","nick":"Ada"}}`)

// BenchmarkParseClientFrame decodes and validates one client pub, as the
// reader of every connection does for each frame.
func BenchmarkParseClientFrame(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchPubFrame)))
	for b.Loop() {
		if _, err := wire.ParseClientFrame(benchPubFrame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeMsg encodes one publication's msg object the way publish
// does: the id as a JSON string, then the frame, allocated once at its size.
// It is encoded once per publication, not once per member.
func BenchmarkEncodeMsg(b *testing.B) {
	frame, err := wire.ParseClientFrame(benchPubFrame)
	if err != nil {
		b.Fatal(err)
	}
	const conn, cid = "9c1e0f6a2b7d4e58", "ada-7f3"
	b.ReportAllocs()
	var seq uint64
	for b.Loop() {
		seq++
		idJSON := encodeString(frame.ID)
		out := appendMsg(make([]byte, 0, msgSize(conn, cid, idJSON, frame.Data)), seq, 1767225600123, conn, cid, idJSON, frame.Data)
		if len(out) == 0 {
			b.Fatal("empty msg")
		}
	}
}

// fanOutMembers is the room size of BenchmarkFanOut1000.
const fanOutMembers = 1000

// BenchmarkFanOut1000 publishes into a room of 1000 members through
// hub.publish: dedup lookup, seq, encoding, the window, and an offer to
// each member's queue, all under the room's lock. The members have no
// connection: what it excludes is the writers' work (batching and the
// socket writes), which relay-bench fanout measures. The queues are drained
// with the timer stopped, every queue length publications.
func BenchmarkFanOut1000(b *testing.B) {
	s, err := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Queue: 1024})
	if err != nil {
		b.Fatal(err)
	}
	defer s.hub.close()
	members := make([]*member, fanOutMembers)
	var publisher *sub
	for i := range members {
		members[i] = newMember(fmt.Sprintf("%016x", i), "cid-"+strconv.Itoa(i), nil, s.cfg.Queue, s.metrics)
		sb, err := s.hub.join(members[i], joinRequest{room: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			publisher = sb
		}
		drainQueues(members[:i+1]) // the join announcements
	}
	data := []byte(`{"text":"hello, how is everyone today?","nick":"Ada"}`)
	// More distinct ids than the window keeps, so no publication is a
	// deduplicated resend; built up front so the loop measures the relay.
	ids := make([]string, 2*DefaultHistory)
	for i := range ids {
		ids[i] = "ada-" + strconv.Itoa(i)
	}

	b.ReportAllocs()
	b.ResetTimer()
	published := 0
	for b.Loop() {
		s.hub.publish(publisher, ids[published%len(ids)], data)
		published++
		if published%s.cfg.Queue == 0 {
			b.StopTimer()
			drainQueues(members)
			b.StartTimer()
		}
	}
	b.StopTimer()
	if got := len(members[fanOutMembers-1].pending); got != published%s.cfg.Queue {
		b.Fatalf("last member has %d queued, want %d: a publication was not fanned out", got, published%s.cfg.Queue)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(published*fanOutMembers), "ns/delivery")
}

// drainQueues empties the queues of members.
func drainQueues(members []*member) {
	for _, m := range members {
		m.recycle(m.take())
	}
}

// BenchmarkWriteLoneFrame offers a member one msg at a time and waits until
// its peer has read it, so that every frame goes out alone: a low offered
// load, where a pool worker wakes, writes one frame and waits again. A
// real WebSocket over loopback; the peer's read is in the time too, not in
// the allocations (it reads into a reused buffer).
func BenchmarkWriteLoneFrame(b *testing.B) {
	accepted := make(chan *websocket.Conn, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(withSmallHijackBuffers(w, func() {}), r, nil)
		if err != nil {
			b.Error(err)
			return
		}
		accepted <- c
	}))
	defer ts.Close()
	ctx := context.Background() // no deadline: coder/websocket sets no timer per read
	peer, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer peer.CloseNow()
	m := newMember("9c1e0f6a2b7d4e58", "ada-7f3", <-accepted, DefaultQueue, newMetrics())
	pool := newWriterPool(DefaultWriteTimeout, newMetrics())
	m.startWriter(&output{limit: DefaultMaxMessage, timeout: DefaultWriteTimeout, pool: pool})
	defer func() {
		m.kill(endPeerGone, "")
		m.awaitClosed()
		pool.close()
	}()
	frame := appendMsg(nil, 1, 1767225600123, m.id, m.cid, []byte(`"ada-7f3-000123"`), []byte(`{"text":"hello, how is everyone today?","nick":"Ada"}`))
	buf := make([]byte, 2*len(frame))
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if !m.offer(frame) {
			b.Fatal("queue full")
		}
		_, r, err := peer.Reader(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.ReadFull(r, buf[:len(frame)]); err != nil || n != len(frame) {
			b.Fatalf("read %d bytes: %v", n, err)
		}
	}
}
