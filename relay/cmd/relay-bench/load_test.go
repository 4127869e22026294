package main

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestReceiver_DuplicatesAreNotDeliveries: a message received twice is one
// delivery and one duplicate, so duplicates cannot inflate deliveries/s.
func TestReceiver_DuplicatesAreNotDeliveries(t *testing.T) {
	r := &receiver{proto: protoChat, next: make([]uint64, 1), self: -1, latencies: batchedLatencies{hist: newSharedHistogram()}}
	msg := func(n uint64) []byte {
		return []byte(`{"type":"msg","seq":1,"ts":1,"conn":"c","cid":"x","id":"1","data":"` +
			string(appendPayload(nil, 0, n, time.Now().UnixNano())) + `"}`)
	}
	r.handle(msg(0))
	r.handle(msg(0)) // the relay sent it again
	r.handle(msg(1))
	if d, u, dup := r.delivered.Load(), r.unique.Load(), r.duplicates.Load(); d != 2 || u != 2 || dup != 1 {
		t.Fatalf("delivered %d, unique %d, duplicates %d; want 2, 2, 1", d, u, dup)
	}
}

// TestSender_OpenLoopMeasuresFromTheScheduledTime: in open loop a write that
// blocks makes a backlog. Every message still carries the time it was due
// (so receivers measure the backlog as latency), and the send lag shows the
// tool's own delay.
func TestSender_OpenLoopMeasuresFromTheScheduledTime(t *testing.T) {
	const rate, count, blocked = 1000.0, 60, 50 * time.Millisecond // one message per ms
	var (
		mu     sync.Mutex
		stamps []int64
	)
	stop := make(chan struct{})
	write := func(frame []byte) error {
		rest, ok := payloadAt(frame, protoRaw)
		if !ok {
			t.Errorf("no payload in %s", frame)
			return errNoPublishers
		}
		_, n, stamp, ok := parsePayload(rest)
		if !ok {
			t.Errorf("bad payload in %s", frame)
			return errNoPublishers
		}
		if n == 0 {
			time.Sleep(blocked) // a write stuck behind a full socket buffer
		}
		mu.Lock()
		defer mu.Unlock()
		stamps = append(stamps, stamp)
		if len(stamps) == count {
			close(stop)
		}
		return nil
	}
	var sent atomic.Uint64
	lag := newSharedHistogram()
	done := make(chan struct{})
	go func() {
		defer close(done)
		sender{proto: protoRaw, global: 0, write: write, sent: &sent, lag: lag}.run(stop, loadPlan{rooms: 1, pubs: 1, rate: rate}, nil)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the sender did not stop")
	}
	mu.Lock()
	defer mu.Unlock()
	for n, stamp := range stamps[:count] {
		want := time.Duration(n) * time.Second / rate
		if got := time.Duration(stamp - stamps[0]); got < want-time.Microsecond || got > want+time.Microsecond {
			t.Fatalf("message %d stamped %v after message 0, want %v: its scheduled time", n, got, want)
		}
	}
	l := lag.percentiles()
	if l.Count != int64(sent.Load()) || sent.Load() < count {
		t.Fatalf("send lag of %d messages, %d sent: want one per message", l.Count, sent.Load())
	}
	// Message k waited about blocked-k ms behind message 0's write.
	if l.Max < float64(blocked/time.Millisecond)*0.9 || l.P50 < 5 {
		t.Fatalf("send lag %+v: the backlog behind a %v write is missing", l, blocked)
	}
}

// TestFanout_OpenLoopReportsSendLag drives a real relay in open loop: the
// report has the tool's send lag next to the latency, in JSON and in text.
func TestFanout_OpenLoopReportsSendLag(t *testing.T) {
	url := startRelay(t)
	args := []string{"fanout", "-url", url, "-subs", "5", "-pubs", "2", "-rate", "400", "-duration", "300ms", "-sources", "2"}
	res := runJSON(t, args...)
	if res.Mode != "open" || res.Published == 0 {
		t.Fatalf("mode %q, %d published", res.Mode, res.Published)
	}
	if res.SendLag == nil || res.SendLag.Count != int64(res.Published) {
		t.Fatalf("send lag %+v for %d published: want one sample per message", res.SendLag, res.Published)
	}
	if res.Lost != 0 || res.Duplicates != 0 || res.Deliveries > res.Received {
		t.Errorf("lost %d, duplicates %d, deliveries %d of %d received", res.Lost, res.Duplicates, res.Deliveries, res.Received)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	wants := []string{"from the scheduled send", "send lag ms", "scheduled → written"}
	if runtime.GOOS == "linux" {
		wants = append(wants, "latency to socket", "receive lag ms")
	}
	for _, want := range wants {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, stdout.String())
		}
	}

	closed := runJSON(t, "fanout", "-url", url, "-subs", "5", "-pubs", "2", "-window", "2", "-duration", "200ms", "-sources", "2")
	if closed.SendLag != nil {
		t.Errorf("closed loop reports a send lag %+v: it has no schedule", closed.SendLag)
	}
}
