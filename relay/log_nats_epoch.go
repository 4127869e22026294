package relay

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A room's stream may disappear or be recreated while this relay follows
// it: nats-server restarted with an empty store, an operator deleted it,
// another relay removed it as idle and then created it again. Its seq then
// starts over, and the ordered consumer, which resumes at the last seq it
// delivered, would skip the new stream's first msgs in silence. So the
// relay watches the epoch (the stream's creation time): when JetStream
// announces that a followed stream was deleted or created, or its consumer
// reports an error, watchStreams checks the stream. A new epoch resets the
// room (its members here are closed with 1013 and resync with since=,
// which reports recovered:false) and a new consumer follows the new
// stream from its first msg. A stream that is gone is created again only
// once the deletion is surely over (see missingLongEnough). A stream that
// cannot be followed (NATS refuses to create it) makes /readyz answer 503
// until it can.

// Subjects of JetStream's advisories about streams, followed by the stream name.
const (
	advisoryStreamCreated = "$JS.EVENT.ADVISORY.STREAM.CREATED."
	advisoryStreamDeleted = "$JS.EVENT.ADVISORY.STREAM.DELETED."
)

// subscribeAdvisories asks the connection to follow the advisories.
func (s *natsLogs) subscribeAdvisories() {
	for _, prefix := range []string{advisoryStreamCreated, advisoryStreamDeleted} {
		s.conn.subscriptions[prefix+"*"] = func(msg *nats.Msg) {
			name := strings.TrimPrefix(msg.Subject, prefix)
			if !strings.HasPrefix(name, roomStreamPrefix) {
				return
			}
			s.mu.Lock()
			follows := make([]*natsFollow, 0, len(s.following[name]))
			for f := range s.following[name] {
				follows = append(follows, f)
			}
			s.mu.Unlock()
			for _, f := range follows {
				f.troubled.Store(true)
				s.queueCheck(f)
			}
		}
	}
}

// queueCheck queues f for watchStreams, once.
func (s *natsLogs) queueCheck(f *natsFollow) {
	if !f.checkQueued.CompareAndSwap(false, true) {
		return
	}
	select {
	case s.checks <- f:
	default:
		f.checkQueued.Store(false) // the next tick checks it: troubled is set
	}
}

// watchStreams checks the follows queued, and every tick those that are
// broken or troubled, until the store closes.
func (s *natsLogs) watchStreams() {
	ticker := time.NewTicker(s.conn.interval)
	defer ticker.Stop()
	for {
		select {
		case <-s.stop:
			return
		case f := <-s.checks:
			f.checkQueued.Store(false)
			s.runCheck(f)
		case <-ticker.C:
			s.mu.Lock()
			var due []*natsFollow
			for _, follows := range s.following {
				for f := range follows {
					if _, broken := s.broken[f]; broken || f.troubled.Load() {
						due = append(due, f)
					}
				}
			}
			s.mu.Unlock()
			for _, f := range due {
				s.runCheck(f)
			}
		}
	}
}

// runCheck checks f's stream and records whether f can follow it.
func (s *natsLogs) runCheck(f *natsFollow) {
	f.troubled.Store(false)
	err := f.check()
	if err != nil && !f.stopped.Load() {
		s.conn.log.Warn("cannot follow room stream", "room", f.room, "err", err)
	}
	s.mu.Lock()
	s.setBrokenLocked(f, err != nil && !f.stopped.Load())
	s.mu.Unlock()
}

// setBrokenLocked records whether f cannot follow its stream. Called with s.mu held.
func (s *natsLogs) setBrokenLocked(f *natsFollow, broken bool) {
	_, was := s.broken[f]
	switch {
	case broken && !was:
		s.broken[f] = struct{}{}
		s.conn.broken.Add(1)
	case !broken && was:
		delete(s.broken, f)
		s.conn.broken.Add(-1)
	default:
		return
	}
	s.conn.readyChanged()
}

// check compares the room's stream with the one f follows, creating it
// when it is gone; a new epoch moves f to the new stream from its first
// msg. The requests to NATS run without f.mu, so that a leave (release)
// never waits for them; only starting the new consumer, rare, holds it.
func (f *natsFollow) check() error {
	s := f.store
	if f.stopped.Load() {
		return nil
	}
	f.mu.Lock()
	known := f.epoch
	f.mu.Unlock()
	js, err := s.conn.jetStream()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(s.background, s.conn.timeout)
	defer cancel()
	stream, err := js.Stream(ctx, f.streamName)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		if !f.missingLongEnough() {
			f.troubled.Store(true) // look again at the next tick
			return nil
		}
		stream, err = s.ensureStream(ctx, js, f.room)
	}
	if err != nil {
		return err
	}
	f.missingSince.Store(0)
	info := stream.CachedInfo()
	epoch := streamEpoch(info)
	if epoch == known {
		return f.resumeIfStalled(ctx, stream, info.State.LastSeq)
	}
	consumer, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy:     jetstream.DeliverAllPolicy,
		InactiveThreshold: feedInactiveThreshold,
	})
	if err != nil {
		return roomErr(f.room, "consumer", err)
	}
	last := uint64(0)
	if info.State.FirstSeq > 0 {
		last = info.State.FirstSeq - 1
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped.Load() || f.epoch != known {
		return nil
	}
	s.conn.log.Warn("room stream recreated; members resync", "room", f.room, "epoch", known, "new_epoch", epoch)
	if f.consume != nil {
		s.stopLater(f.consume)
		f.consume = nil
	}
	f.stream, f.epoch = stream, epoch
	f.stalledAt.Store(0)
	f.deliverMu.Lock()
	f.gen.Add(1) // the old consumer's deliveries, even one under way, are over
	f.delivered.Store(last)
	f.sink.reset(last, epoch) // closes the members here; the next msg is the new stream's first
	f.deliverMu.Unlock()
	cc, err := f.consumeFrom(consumer)
	if err != nil {
		return roomErr(f.room, "consume", err)
	}
	f.consumer, f.consume = consumer, cc
	return nil
}

// missingLongEnough reports whether f's stream, found missing now, has been
// missing for a whole interval, so that f may create it again.
//
// JetStream announces a deletion, and deletes the stream's consumers,
// before it has moved the deleted stream's files out of the way (in
// nats-server 2.15, stream.stop sends the advisory, then its store's
// Delete renames the directory): a stream of the same name created in
// between opens those files. It then holds the old
// msgs under a new epoch until the deletion removes its files under it
// (every publish to it times out), or it fails to be created. Nothing tells
// when the deletion is over: f waits an interval, far longer than it takes.
// Meanwhile pubs to the room get error unavailable and are resent; another
// relay creating the stream first is followed at once (its advisory queues
// a check).
func (f *natsFollow) missingLongEnough() bool {
	now := time.Now().UnixNano()
	since := f.missingSince.Load()
	if since == 0 {
		f.missingSince.Store(now)
		return false
	}
	return time.Duration(now-since) >= f.store.conn.interval
}

// resumeIfStalled replaces the consumer of a follow that has stopped
// delivering its stream: after NATS restarts, nats.go recreates an ordered
// consumer with a backoff that grows to 10 s between attempts, and the
// room's members here would hear nothing from other relays meanwhile. A
// follow whose stream is ahead of what it delivered is checked again at the
// next tick (troubled); when it is still at the same seq then, a new
// ordered consumer starts right after that seq. Members miss nothing: the
// room ignores any seq it has already delivered.
func (f *natsFollow) resumeIfStalled(ctx context.Context, stream jetstream.Stream, last uint64) error {
	delivered := f.delivered.Load()
	if last <= delivered {
		f.stalledAt.Store(0)
		return nil
	}
	f.troubled.Store(true) // look again at the next tick
	if f.stalledAt.Swap(delivered+1) != delivered+1 {
		return nil // ahead, or moving: give the consumer a tick to catch up
	}
	consumer, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       delivered + 1,
		InactiveThreshold: feedInactiveThreshold,
	})
	if err != nil {
		return roomErr(f.room, "consumer", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped.Load() {
		return nil
	}
	// The new consumer starts right after what the sink was handed: the
	// old one's deliveries, even one under way, end here (see deliverMu).
	f.deliverMu.Lock()
	moved := f.delivered.Load() != delivered
	if !moved {
		f.gen.Add(1)
	}
	f.deliverMu.Unlock()
	if moved {
		return nil // it moved after all
	}
	f.store.conn.log.Info("room feed stalled; resuming", "room", f.room, "delivered", delivered, "stream_last", last)
	f.store.metrics.brokerFeedResumes.Inc()
	if f.consume != nil {
		f.store.stopLater(f.consume)
		f.consume = nil
	}
	f.stalledAt.Store(0)
	cc, err := f.consumeFrom(consumer)
	if err != nil {
		return roomErr(f.room, "consume", err)
	}
	f.consumer, f.consume = consumer, cc
	return nil
}
