package relay

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// TestServer_StuckPeers_MoreThanWriters_OthersKeepReceiving: more peers
// than the writer pool has workers stop reading, so that a write to each
// blocks (tiny socket buffers, a write timeout far beyond the test). The
// pool must start workers in their place: a member who reads still gets
// every message, long before any stuck write times out.
func TestServer_StuckPeers_MoreThanWriters_OthersKeepReceiving(t *testing.T) {
	tr, small := startRelayWithSmallBuffers(t, Config{Queue: 100_000, Rate: 1e6, Burst: 1e6, WriteTimeout: time.Hour,
		// More peers than the pool has workers, all from 127.0.0.1.
		MaxConnsPerIP: Unlimited, HandshakesPerIP: Unlimited})
	pub := tr.dial(t, query("p", "pub"))
	pub.expect(wire.TypeWelcome)
	reader := tr.dial(t, query("p", "reader"))
	reader.expect(wire.TypeWelcome)
	pub.expect(wire.TypeJoin)
	stuck := writersPerCPU*runtime.GOMAXPROCS(0) + 2
	for i := range stuck {
		dialStuck(t, tr, small, "p", fmt.Sprint("stuck-", i), pub)
	}

	// A few KB fill a stuck peer's buffers; every later write to it blocks.
	payload := strings.Repeat("p", 2000)
	for i := 1; i <= 300; i++ {
		pub.pub(fmt.Sprint(i), payload)
		pub.skipTo(wire.TypeMsg)
		if m := reader.skipTo(wire.TypeMsg); m.Seq != uint64(i) {
			t.Fatalf("reader got msg %d, want %d", m.Seq, i)
		}
	}
	if got := metricValue(t, tr, `relay_writer_stalls_total`); got == "0" {
		t.Fatal("relay_writer_stalls_total = 0: no writer was replaced, the stuck peers never blocked one")
	}
	if got := metricValue(t, tr, `relay_dropped_total{reason="write_timeout"}`); got != "0" {
		t.Fatalf("dropped write_timeout = %s: the stuck writes ended, the test proved nothing", got)
	}
}

// TestServer_FanOut_WakesAFewWriters: a message to a room of a few hundred
// members, whose sockets all have room, is written by about one worker
// per CPU, not by a worker woken (or started) per member: more runnable
// workers than CPUs write no faster and keep the publishers' readers from
// running (BENCHMARKS.md, "Low load, where the wait was").
func TestServer_FanOut_WakesAFewWriters(t *testing.T) {
	tr := startRelay(t, Config{Queue: 100_000, Rate: 1e6, Burst: 1e6,
		MaxConnsPerIP: Unlimited, HandshakesPerIP: Unlimited})
	const members = 300
	clients := make([]*testClient, members)
	for i := range clients {
		clients[i] = tr.dial(t, query("w", fmt.Sprint("m-", i)))
		clients[i].expect(wire.TypeWelcome)
	}
	clients[0].pub("1", "hello")
	for _, c := range clients {
		if m := c.skipTo(wire.TypeMsg); m.Seq != 1 {
			t.Fatalf("got msg %d, want 1", m.Seq)
		}
	}
	// Workers that ran end only after writerIdleTimeout, so the gauge still
	// counts every worker the joins and the message woke. Slow turns (a
	// loaded machine, -race) may add a few; a worker per member would be
	// writersPerCPU per CPU.
	limit := writersPerCPU * runtime.GOMAXPROCS(0) / 4
	if got, _ := strconv.Atoi(metricValue(t, tr, "relay_writers")); got > limit {
		t.Fatalf("relay_writers = %d after a fan-out to %d members, want at most %d", got, members, limit)
	}
}

// TestWriterPool_FanOut_LeavesAPForReaders: a fan-out on 2 Ps wakes one
// worker, not two, so that a P stays free for the thread that waits in the
// netpoller: a message arriving meanwhile is read at once instead of after
// the whole room's writes (BENCHMARKS.md, "Low load, per-frame cost").
func TestWriterPool_FanOut_LeavesAPForReaders(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	p := newWriterPool(DefaultWriteTimeout, newMetrics())
	defer p.close()
	out := &output{limit: int(DefaultMaxMessage), timeout: DefaultWriteTimeout, pool: p}
	members := make([]*member, 50)
	for i := range members {
		m := newMember(fmt.Sprint("m", i), "", nil, 10, nil)
		m.out, m.writing = out, true // nothing queued: each turn is empty
		members[i] = m
	}
	p.scheduleAll(members)
	p.mu.Lock()
	started := len(p.all)
	p.mu.Unlock()
	if started != 1 {
		t.Fatalf("a fan-out to %d members on 2 Ps started %d workers, want 1", len(members), started)
	}
}
