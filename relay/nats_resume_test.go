package relay

import (
	"fmt"
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
	feed.mu.Lock()
	feed.gen.Add(1)
	feed.mu.Unlock()
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
