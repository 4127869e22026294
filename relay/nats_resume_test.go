package relay

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// TestNATS_StalledFeed_ResumedFromDeliveredPlusOne: a room's feed stops
// delivering (as nats.go's ordered consumer does while it waits out its
// reset backoff after NATS restarts) while other relays publish to the
// stream. The first check finds the stream ahead and only notes it; the
// second, finding the feed still at the same seq, starts a new consumer
// right after the last seq delivered: the member gets every msg published
// meanwhile, in order, none skipped and none twice, and the resume is
// counted. The checks run here, by hand: the relay's own ticker is an hour.
func TestNATS_StalledFeed_ResumedFromDeliveredPlusOne(t *testing.T) {
	n := startNATS(t)
	tr := startNATSRelay(t, n, Config{PresenceInterval: time.Hour})
	_, js := natsClient(t, n)
	const room = "stalled"
	ann, _ := joinRoom(t, tr, room, "ann")
	ann.pub("a1", 1)
	if f := ann.skipTo(wire.TypeMsg); f.Seq != 1 {
		t.Fatalf("first msg at seq %d", f.Seq)
	}

	tr.hub.mu.Lock()
	r := tr.hub.byName[room]
	tr.hub.mu.Unlock()
	r.mu.Lock()
	feed := r.log.(*natsFollow)
	r.mu.Unlock()
	// The feed stalls: its consumer's deliveries are ignored from now on.
	feed.deliverMu.Lock()
	feed.gen.Add(1)
	feed.deliverMu.Unlock()
	for i := 2; i <= 4; i++ {
		publishTail(t, js, room, "0000000000000001", "other", fmt.Sprint("o", i), fmt.Sprint(i))
	}

	logs := tr.hub.logs.(*natsLogs)
	logs.runCheck(feed)
	ann.quiet() // the stream is ahead once: no new consumer yet
	if got := metricValue(t, tr, "relay_broker_feed_resumes_total"); got != "0" {
		t.Fatalf("feed resumed after one check (resumes %s); want a second look first", got)
	}
	logs.runCheck(feed)
	for want := uint64(2); want <= 4; want++ {
		if f := ann.expect(wire.TypeMsg); f.Seq != want || f.ID != fmt.Sprint("o", want) {
			t.Fatalf("after the resume got seq %d id %s, want seq %d: none skipped", f.Seq, f.ID, want)
		}
	}
	ann.quiet() // none twice
	if got := metricValue(t, tr, "relay_broker_feed_resumes_total"); got != "1" {
		t.Fatalf("relay_broker_feed_resumes_total = %s, want 1", got)
	}
	// The new consumer goes on delivering live msgs.
	ann.pub("a5", 5)
	if f := ann.expect(wire.TypeMsg); f.Seq != 5 || f.ID != "a5" {
		t.Fatalf("live msg after the resume = %+v, want a5 at seq 5", f)
	}
}

// heldSink is a room log's sink whose delivery of one seq (hold) is held
// up until release, as a room's lock held by a long fan-out holds it up;
// it records the order in which seqs were handed to it.
type heldSink struct {
	hold    uint64
	holding chan struct{} // closed once the delivery of hold has begun
	release chan struct{}
	arrived chan uint64

	mu   sync.Mutex
	seqs []uint64
}

func (k *heldSink) reset(uint64, string)               {}
func (k *heldSink) appended(publication, appendResult) {}

func (k *heldSink) deliver(seq uint64, _ []byte) {
	if seq == k.hold {
		close(k.holding)
		<-k.release
	}
	k.mu.Lock()
	k.seqs = append(k.seqs, seq)
	k.mu.Unlock()
	k.arrived <- seq
}

// TestNATS_StalledFeed_ResumedWhileADeliveryIsUnderWay_KeepsSeqOrder: the
// delivery of seq 2 is held up (a room's lock held by a long fan-out) for
// longer than two checks, which find the feed at 2 with the stream at 3
// and resume it. The new consumer's deliveries wait for the one under
// way: the sink gets 1, 2, 3, never 3 before 2 (which a room takes for a
// gap and closes its members with 1013). Checks run by hand: the relay's
// own ticker is an hour.
func TestNATS_StalledFeed_ResumedWhileADeliveryIsUnderWay_KeepsSeqOrder(t *testing.T) {
	n := startNATS(t)
	tr := startNATSRelay(t, n, Config{PresenceInterval: time.Hour})
	_, js := natsClient(t, n)
	logs := tr.hub.logs.(*natsLogs)
	k := &heldSink{hold: 2, holding: make(chan struct{}), release: make(chan struct{}), arrived: make(chan uint64, 8)}
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(k.release) }) }
	lg, err := logs.open("held", k)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	feed := lg.(*natsFollow)
	t.Cleanup(func() { release(); feed.release() })
	for i := 1; i <= 3; i++ {
		publishTail(t, js, "held", "0000000000000001", "other", fmt.Sprint("o", i), fmt.Sprint(i))
	}
	select {
	case <-k.holding:
	case <-time.After(waitTimeout):
		t.Fatal("seq 2 never delivered")
	}

	resumed := make(chan struct{})
	go func() {
		defer close(resumed)
		logs.runCheck(feed) // the stream is ahead: noted
		logs.runCheck(feed) // still at 2: a new consumer after 2
	}()
	select {
	case <-resumed:
		// Resumed while 2 is under way: wait for what its consumer delivers.
		deadline := time.After(waitTimeout)
		for seq := uint64(0); seq != 3; {
			select {
			case seq = <-k.arrived:
			case <-deadline:
				t.Fatal("the resumed feed delivered nothing after 2")
			}
		}
	case <-time.After(time.Second):
		// The resume waits for the delivery under way, as it should.
	}
	release()
	deadline := time.After(waitTimeout)
	for done := false; !done; {
		k.mu.Lock()
		done = len(k.seqs) >= 3
		k.mu.Unlock()
		if done {
			break
		}
		select {
		case <-k.arrived:
		case <-deadline:
			t.Fatalf("seqs delivered: %v, want 1, 2, 3", k.seqs)
		}
	}
	<-resumed
	k.mu.Lock()
	defer k.mu.Unlock()
	if fmt.Sprint(k.seqs) != "[1 2 3]" {
		t.Fatalf("seqs handed to the room: %v, want [1 2 3]: in order, none before the one under way", k.seqs)
	}
}
