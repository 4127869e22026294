package relay

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// feedInactiveThreshold is how long JetStream keeps a relay's consumer of a
// room after the relay stopped reading it (left the room, or died).
const feedInactiveThreshold = 30 * time.Second

// natsFeed is one relay's subscription to one room's stream while the room
// has members on the relay: an ordered consumer, which JetStream delivers
// in stream order, and which nats.go recreates after a reconnect or a gap
// from the last stream seq it delivered, so members miss nothing published
// meanwhile on other relays.
type natsFeed struct {
	subject string
	stream  roomStreamRef

	mu      sync.Mutex
	consume jetstream.ConsumeContext
	stopped bool
}

// roomStreamRef is a room's stream.
type roomStreamRef struct {
	name   string
	stream jetstream.Stream
}

// stop ends the feed; the consumer's last deliveries are ignored.
func (f *natsFeed) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = true
	if f.consume != nil {
		f.consume.Stop()
	}
}

// stopFeedLocked stops r's feed, if any. Called with r.mu held.
func (r *room) stopFeedLocked() {
	if r.feed != nil {
		r.feed.stop()
		r.feed = nil
	}
}

// streamConfig is the stream of a room: the recovery window (History,
// HistoryAge) and the dedup window (HistoryAge) of chat.v1, in JetStream.
func (b *natsBroker) streamConfig(room string) jetstream.StreamConfig {
	h := b.rooms
	return jetstream.StreamConfig{
		Name:        roomStream(room),
		Description: "chat.v1 room " + room,
		Subjects:    []string{roomSubject(room)},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxMsgs:     int64(h.historyLen),
		MaxAge:      h.historyAge,
		Duplicates:  h.historyAge,
		Storage:     jetstream.FileStorage,
		Replicas:    1,
		AllowDirect: true,
	}
}

// ensureStream returns the room's stream, creating it when it is new. The
// first relay to create a room's stream sets its limits; the others use it
// as it is.
func (b *natsBroker) ensureStream(ctx context.Context, js jetstream.JetStream, room string) (jetstream.Stream, error) {
	stream, err := js.Stream(ctx, roomStream(room))
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		stream, err = js.CreateStream(ctx, b.streamConfig(room))
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			stream, err = js.Stream(ctx, roomStream(room)) // another relay was faster
		}
	}
	if err != nil {
		return nil, roomErr(room, "stream", err)
	}
	return stream, nil
}

// streamEpoch names a stream's seq space: its creation time, which every
// relay reads alike and which changes when the stream is recreated (and its
// seq starts over).
func streamEpoch(info *jetstream.StreamInfo) string {
	return strconv.FormatInt(info.Created.UnixNano(), 16)
}

// follow starts r's feed from the stream's last seq, so that r.lastSeq and
// the feed continue each other exactly. The NATS requests run outside r.mu;
// followMu keeps two joins from following the same room twice.
func (b *natsBroker) follow(r *room) error {
	r.followMu.Lock()
	defer r.followMu.Unlock()
	r.mu.Lock()
	following := r.feed != nil
	r.mu.Unlock()
	if following {
		return nil
	}
	js, err := b.jetStream()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	stream, err := b.ensureStream(ctx, js, r.name)
	if err != nil {
		return err
	}
	info := stream.CachedInfo()
	last := info.State.LastSeq
	consumer, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       last + 1,
		InactiveThreshold: feedInactiveThreshold,
	})
	if err != nil {
		return roomErr(r.name, "consumer", err)
	}
	feed := &natsFeed{subject: roomSubject(r.name), stream: roomStreamRef{name: info.Config.Name, stream: stream}}

	r.mu.Lock()
	defer r.mu.Unlock()
	if b.closing.Load() {
		return errBrokerUnavailable
	}
	// Registered before Consume so that the first delivery finds it; the
	// handler waits for r.mu until lastSeq is set.
	r.feed, r.lastSeq, r.epoch = feed, last, streamEpoch(info)
	cc, err := consumer.Consume(func(msg jetstream.Msg) { b.deliver(r, feed, msg) },
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if !b.closing.Load() {
				b.log.Debug("feed", "room", r.name, "err", err)
			}
		}))
	if err != nil {
		r.feed = nil
		return roomErr(r.name, "consume", err)
	}
	feed.mu.Lock()
	feed.consume = cc
	feed.mu.Unlock()
	return nil
}

// deliver fans a msg of r's stream out to r's members here.
func (b *natsBroker) deliver(r *room, feed *natsFeed, msg jetstream.Msg) {
	h := b.rooms
	md, err := msg.Metadata()
	if err != nil {
		b.log.Warn("feed message without metadata", "room", r.name, "err", err)
		return
	}
	seq := md.Sequence.Stream
	frame := msgFromTail(seq, md.Timestamp.UnixMilli(), msg.Data())
	h.metrics.brokerReceived.Inc()
	h.metrics.brokerLag.Observe(time.Since(md.Timestamp).Seconds())

	r.mu.Lock()
	if r.feed != feed || seq <= r.lastSeq {
		r.mu.Unlock() // a stopped feed, or a redelivery after a reset
		return
	}
	if seq > r.lastSeq+1 {
		// The stream evicted messages before this feed read them: the feed
		// was away (this relay cut off NATS, or NATS restarted) or fell
		// behind a burst longer than -history. The members here never got
		// them; silence would break exactly-once. Send them back to
		// reconnect with since, which reports the gap (recovered:false).
		b.log.Warn("feed skipped evicted messages; members reconnect", "room", r.name,
			"last_delivered", r.lastSeq, "next", seq, "members", len(r.members))
		r.lastSeq = seq
		for len(r.members) > 0 {
			r.dropLocked(r.members[0], endMissedMessages, "")
		}
		h.unlock(r)
		return
	}
	r.lastSeq = seq
	delivered := r.fanOutLocked(frame, nil)
	h.unlock(r)
	h.metrics.deliveries.Add(float64(delivered))
}

// replay reads the kept msgs with seq in (since, last] from the stream and
// reports whether they are all the msgs after since (nothing was evicted).
// Stream seqs of a room are contiguous (one stream per room; dedup rejects
// before a seq is taken; limits evict only the oldest), so the replay is
// complete exactly when it starts at since+1.
func (b *natsBroker) replay(feed *natsFeed, since, last uint64) (frames [][]byte, recovered bool, err error) {
	switch {
	case since > last:
		return nil, false, nil // another seq space
	case since == last:
		return nil, true, nil
	}
	js, err := b.jetStream()
	if err != nil {
		return nil, false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	consumer, err := js.CreateConsumer(ctx, feed.stream.name, jetstream.ConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       since + 1,
		AckPolicy:         jetstream.AckNonePolicy,
		InactiveThreshold: b.timeout,
		MemoryStorage:     true,
	})
	if err != nil {
		return nil, false, roomErr(feed.stream.name, "replay consumer", err)
	}
	defer func() {
		_ = js.DeleteConsumer(ctx, feed.stream.name, consumer.CachedInfo().Name)
	}()
	frames = make([][]byte, 0, min(last-since, uint64(b.rooms.historyLen)))
	var first, reached uint64
	for reached < last {
		batch, err := consumer.FetchNoWait(int(min(last-reached, uint64(b.rooms.historyLen))))
		if err != nil {
			return nil, false, roomErr(feed.stream.name, "replay fetch", err)
		}
		n := 0
		for msg := range batch.Messages() {
			md, err := msg.Metadata()
			if err != nil {
				continue
			}
			seq := md.Sequence.Stream
			if seq > last {
				reached = seq
				continue // the joiner gets it live
			}
			if first == 0 {
				first = seq
			}
			frames = append(frames, msgFromTail(seq, md.Timestamp.UnixMilli(), msg.Data()))
			reached = seq
			n++
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return nil, false, roomErr(feed.stream.name, "replay fetch", err)
		}
		if n == 0 {
			break
		}
	}
	return frames, first == since+1, nil
}

// original returns the msg object of a stored msg, for a duplicate pub.
func (s roomStreamRef) original(seq uint64, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	raw, err := s.stream.GetMsg(ctx, seq)
	if err != nil {
		return nil, err
	}
	return msgFromTail(seq, raw.Time.UnixMilli(), raw.Data), nil
}
