package relay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// natsLogs keeps every room's log in NATS JetStream, one stream per room,
// shared by every relay connected to the same NATS: JetStream assigns seq,
// so there is one total order per room; it keeps the recovery window and
// deduplicates (Nats-Msg-Id). A room followed here has an ordered consumer
// delivering the stream's msgs to the hub's room. See PROTOCOL.md, "Many
// relays".
type natsLogs struct {
	conn       *natsConn
	historyLen int
	historyAge time.Duration
	roomBytes  int
	metrics    *metrics

	// pending carries this relay's pubs, in publish order, from the
	// connections' readers to awaitAcks.
	pending chan pendingPub
	// duplicates counts the goroutines answering duplicate pubs.
	duplicates sync.WaitGroup

	stop    chan struct{} // closed by close
	stopped sync.WaitGroup
	// background is canceled by close: the requests of the background
	// goroutines (sweeping, checking streams) end at once.
	background       context.Context
	cancelBackground context.CancelFunc
	// cleanups counts the goroutines deleting the consumers of released feeds.
	cleanups sync.WaitGroup

	// checks carries the follows whose stream may have vanished or been
	// recreated, to watchStreams; a follow is queued at most once.
	checks chan *natsFollow
	// mu guards following and broken.
	mu sync.Mutex
	// following are the followed rooms by stream name, for the
	// advisories of JetStream about streams created and deleted.
	following map[string]map[*natsFollow]struct{}
	// broken are the follows that cannot follow their stream now: the
	// relay reports not-ready on /readyz while there is one.
	broken map[*natsFollow]struct{}
}

var _ logStore = (*natsLogs)(nil)

func newNATSLogs(conn *natsConn, cfg Config, m *metrics) *natsLogs {
	background, cancel := context.WithCancel(context.Background())
	return &natsLogs{
		background:       background,
		cancelBackground: cancel,
		conn:             conn,
		historyLen:       cfg.History,
		historyAge:       cfg.HistoryAge,
		roomBytes:        cfg.RoomHistoryBytes,
		metrics:          m,
		pending:          make(chan pendingPub, natsMaxPendingPubs),
		stop:             make(chan struct{}),
		checks:           make(chan *natsFollow, natsMaxChecks),
		following:        make(map[string]map[*natsFollow]struct{}),
		broken:           make(map[*natsFollow]struct{}),
	}
}

// natsMaxChecks bounds the follows queued for a check of their stream; a
// follow that finds the queue full is checked at the next tick anyway
// (watchStreams checks every follow whose consumer reported an error).
const natsMaxChecks = 1024

// feedInactiveThreshold is how long JetStream keeps a relay's consumer of a
// room after the relay stopped reading it (left the room, or died).
const feedInactiveThreshold = 30 * time.Second

// natsFollow is one relay's subscription to one room's stream while the
// room has members on the relay: an ordered consumer, which JetStream
// delivers in stream order, and which nats.go recreates after a reconnect
// or a gap from the last stream seq it delivered, so members miss nothing
// published meanwhile on other relays.
type natsFollow struct {
	store      *natsLogs
	room       string
	subject    string
	streamName string
	stream     jetstream.Stream
	sink       logSink

	stopped atomic.Bool
	// checkQueued: the follow waits in checks; troubled: its consumer
	// reported an error since its last check.
	checkQueued atomic.Bool
	troubled    atomic.Bool
	// gen numbers the consumers of this follow: deliveries of a consumer
	// replaced after the stream was recreated are ignored.
	gen atomic.Uint64
	// deliverMu makes each handoff to the sink one step with its gen check
	// and delivered; gen moves to a new consumer under it. Once it has
	// moved, no delivery of the replaced consumer is under way (one
	// stalled between its check and the sink would land after the new
	// consumer's, out of order), and delivered is what the sink was handed.
	// Lock order: mu → deliverMu → the sink's locks.
	deliverMu sync.Mutex
	// delivered is the last stream seq handed to the sink; stalledAt is
	// delivered+1 when a check found the stream ahead of it (0: not
	// stalled). See resumeIfStalled.
	delivered atomic.Uint64
	stalledAt atomic.Uint64
	// missingSince is when a check first found the stream gone, in unix
	// nanoseconds (0: it was there). See check.
	missingSince atomic.Int64

	// mu guards the consumer and the stream it reads, and serializes
	// replacing them (check) with stopping them (release).
	mu       sync.Mutex
	epoch    string
	consumer jetstream.Consumer
	consume  jetstream.ConsumeContext
}

var _ roomLog = (*natsFollow)(nil)

// streamConfig is the stream of a room: the recovery window (History,
// RoomHistoryBytes, HistoryAge) and the dedup window (HistoryAge) of
// chat.v1, in JetStream.
func (s *natsLogs) streamConfig(room string) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        roomStream(room),
		Description: "chat.v1 room " + room,
		Subjects:    []string{roomSubject(room)},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxMsgs:     int64(s.historyLen),
		MaxBytes:    int64(s.roomBytes),
		MaxAge:      s.historyAge,
		Duplicates:  s.historyAge,
		Storage:     jetstream.FileStorage,
		Replicas:    1,
		AllowDirect: true,
	}
}

// ensureStream returns the room's stream, creating it when it is new. The
// first relay to create a room's stream sets its limits; the others use it
// as it is.
func (s *natsLogs) ensureStream(ctx context.Context, js jetstream.JetStream, room string) (jetstream.Stream, error) {
	stream, err := js.Stream(ctx, roomStream(room))
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		stream, err = js.CreateStream(ctx, s.streamConfig(room))
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

// open follows the room's stream from its last seq: the sink learns that
// position first, then gets every msg after it.
func (s *natsLogs) open(room string, sink logSink) (roomLog, error) {
	js, err := s.conn.jetStream()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.conn.timeout)
	defer cancel()
	stream, err := s.ensureStream(ctx, js, room)
	if err != nil {
		return nil, err
	}
	info := stream.CachedInfo()
	last := info.State.LastSeq
	f := &natsFollow{store: s, room: room, subject: roomSubject(room),
		streamName: info.Config.Name, stream: stream, sink: sink}
	consumer, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       last + 1,
		InactiveThreshold: feedInactiveThreshold,
	})
	if err != nil {
		return nil, roomErr(room, "consumer", err)
	}
	f.epoch = streamEpoch(info)
	f.delivered.Store(last)
	sink.reset(last, f.epoch) // before the first delivery
	cc, err := f.consumeFrom(consumer)
	if err != nil {
		return nil, roomErr(room, "consume", err)
	}
	f.mu.Lock()
	f.consumer, f.consume = consumer, cc
	f.mu.Unlock()
	s.mu.Lock()
	if s.following[f.streamName] == nil {
		s.following[f.streamName] = make(map[*natsFollow]struct{})
	}
	s.following[f.streamName][f] = struct{}{}
	s.mu.Unlock()
	return f, nil
}

// consumeFrom starts delivering consumer's msgs to the sink under a new
// generation. A consumer error queues a check of the stream: the stream
// may have been deleted or recreated, which the ordered consumer alone
// would follow at the old seq, skipping the new stream's first msgs.
func (f *natsFollow) consumeFrom(consumer jetstream.Consumer) (jetstream.ConsumeContext, error) {
	s := f.store
	gen := f.gen.Add(1)
	return consumer.Consume(func(msg jetstream.Msg) { f.receive(gen, msg) },
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if s.conn.closing.Load() || f.stopped.Load() {
				return
			}
			s.conn.log.Debug("feed", "room", f.room, "err", err)
			f.troubled.Store(true)
			s.queueCheck(f)
		}))
}

// has is false: the rooms live in NATS, not in this process.
func (s *natsLogs) has(string) bool { return false }

// receive hands one msg of the stream to the sink.
func (f *natsFollow) receive(gen uint64, msg jetstream.Msg) {
	if f.stopped.Load() || f.gen.Load() != gen {
		return
	}
	md, err := msg.Metadata()
	if err != nil {
		f.store.conn.log.Warn("feed message without metadata", "room", f.room, "err", err)
		return
	}
	seq := md.Sequence.Stream
	frame := msgFromTail(seq, md.Timestamp.UnixMilli(), msg.Data())
	valid := validMsg(frame)
	f.deliverMu.Lock()
	defer f.deliverMu.Unlock()
	if f.stopped.Load() || f.gen.Load() != gen {
		return // replaced while it was read
	}
	f.delivered.Store(seq)
	f.store.metrics.brokerReceived.Inc()
	f.store.metrics.brokerLag.Observe(time.Since(md.Timestamp).Seconds())
	if !valid {
		f.store.invalid(f.room, seq)
		f.sink.deliver(seq, nil) // the seq is taken; nobody gets it
		return
	}
	f.sink.deliver(seq, frame)
}

// release stops the consumer, outside every lock of the hub, and deletes
// it in the background: a stream with no consumer and no message is idle
// (see sweepIdleStreams).
func (f *natsFollow) release() {
	s := f.store
	f.stopped.Store(true) // before f.mu: a check in progress gives up
	f.mu.Lock()
	consumer, cc := f.consumer, f.consume
	f.mu.Unlock()
	s.mu.Lock()
	delete(s.following[f.streamName], f)
	if len(s.following[f.streamName]) == 0 {
		delete(s.following, f.streamName)
	}
	s.setBrokenLocked(f, false)
	s.mu.Unlock()
	if cc == nil {
		return
	}
	s.cleanups.Go(func() {
		cc.Stop() // may wait for a reset in progress: see stopLater
		info := consumer.CachedInfo()
		js, err := s.conn.jetStream()
		if info == nil || err != nil {
			return // the consumer expires after feedInactiveThreshold
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.conn.timeout)
		defer cancel()
		_ = js.DeleteConsumer(ctx, f.streamName, info.Name)
	})
}

// stopLater stops a feed's consume context in the background. nats.go's
// ordered consumer holds its lock while it retries a reset, with a backoff
// growing to 10 s during and after a NATS outage, and Stop waits for that
// lock: nothing in the relay may wait with it. Deliveries meanwhile are
// ignored (the follow is stopped, or its gen moved on).
func (s *natsLogs) stopLater(cc jetstream.ConsumeContext) { s.cleanups.Go(cc.Stop) }

// idleSweepInterval is how often a relay looks for idle streams to remove:
// half of -history-age, within [100ms, 1 min].
func (s *natsLogs) idleSweepInterval() time.Duration {
	return min(max(s.historyAge/2, 100*time.Millisecond), time.Minute)
}

// sweepIdleStreams removes the streams of rooms idle past -history-age,
// so that NATS storage is bounded by the rooms in use: a stream with no
// message left (MaxAge expired them all), no consumer (no relay follows
// it) and created more than -history-age ago. Every relay sweeps; a
// stream deleted twice is not an error. A relay reopening the room at the
// same moment either fails to follow it (its client gets 1013 and comes
// back) or follows the deleted stream and sees it vanish (its members get
// 1013): either way the room's new stream has a new epoch, and clients
// coming back with since= get recovered:false, never a silent gap.
func (s *natsLogs) sweepIdleStreams() {
	ticker := time.NewTicker(s.idleSweepInterval())
	defer ticker.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-ticker.C:
			s.sweepOnce()
		}
	}
}

func (s *natsLogs) sweepOnce() {
	js, err := s.conn.jetStream()
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(s.background, s.conn.timeout)
	defer cancel()
	streams := js.ListStreams(ctx, jetstream.WithStreamListSubject(roomSubjectPrefix+">"))
	var idle []string
	for info := range streams.Info() {
		st := info.State
		if st.Msgs == 0 && st.Consumers == 0 && time.Since(info.Created) > s.historyAge &&
			(st.LastTime.IsZero() || time.Since(st.LastTime) > s.historyAge) {
			idle = append(idle, info.Config.Name)
		}
	}
	for _, name := range idle {
		if err := js.DeleteStream(ctx, name); err == nil {
			s.conn.log.Debug("idle room stream removed", "stream", name)
			s.metrics.brokerStreamsRemoved.Inc()
		}
	}
}

// since reads the kept msgs with seq in (since, upTo] from the stream and
// reports whether they are all the msgs after since (nothing was evicted).
// Stream seqs of a room are contiguous (one stream per room; dedup rejects
// before a seq is taken; limits evict only the oldest), so the replay is
// complete exactly when it starts at since+1.
func (f *natsFollow) since(since, upTo uint64) (frames [][]byte, recovered bool, err error) {
	switch {
	case since > upTo:
		return nil, false, nil // another seq space
	case since == upTo:
		return nil, true, nil
	}
	s := f.store
	js, err := s.conn.jetStream()
	if err != nil {
		return nil, false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.conn.timeout)
	defer cancel()
	consumer, err := js.CreateConsumer(ctx, f.streamName, jetstream.ConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       since + 1,
		AckPolicy:         jetstream.AckNonePolicy,
		InactiveThreshold: s.conn.timeout,
		MemoryStorage:     true,
	})
	if err != nil {
		return nil, false, roomErr(f.room, "replay consumer", err)
	}
	defer func() {
		_ = js.DeleteConsumer(ctx, f.streamName, consumer.CachedInfo().Name)
	}()
	frames = make([][]byte, 0, min(upTo-since, uint64(s.historyLen)))
	// The replay is complete when it starts at since+1, every seq follows
	// the one before (an invalid msg, dropped, still counts), and it
	// reaches upTo.
	var first, reached uint64
	contiguous := true
	for reached < upTo {
		batch, err := consumer.FetchNoWait(int(min(upTo-reached, uint64(s.historyLen))))
		if err != nil {
			return nil, false, roomErr(f.room, "replay fetch", err)
		}
		n := 0
		for msg := range batch.Messages() {
			md, err := msg.Metadata()
			if err != nil {
				continue
			}
			seq := md.Sequence.Stream
			if seq > upTo {
				reached = seq
				continue // the joiner gets it live
			}
			if first == 0 {
				first = seq
			} else if seq != reached+1 {
				contiguous = false
			}
			reached = seq
			n++
			frame := msgFromTail(seq, md.Timestamp.UnixMilli(), msg.Data())
			if !validMsg(frame) {
				s.invalid(f.room, seq)
				continue
			}
			frames = append(frames, frame)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return nil, false, roomErr(f.room, "replay fetch", err)
		}
		if n == 0 {
			break
		}
	}
	return frames, first == since+1 && contiguous && reached >= upTo, nil
}

// invalid counts and logs a msg of a room's stream that is not one a
// relay publishes: it is dropped.
func (s *natsLogs) invalid(room string, seq uint64) {
	s.metrics.brokerInvalid.Inc()
	s.conn.log.Warn("invalid message in room stream dropped", "room", room, "seq", seq)
}

// original returns the msg object of a stored msg, for a duplicate pub.
func (f *natsFollow) original(seq uint64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), f.store.conn.timeout)
	defer cancel()
	f.mu.Lock()
	stream := f.stream
	f.mu.Unlock()
	raw, err := stream.GetMsg(ctx, seq)
	if err != nil {
		return nil, err
	}
	return msgFromTail(seq, raw.Time.UnixMilli(), raw.Data), nil
}

// start connects to NATS and starts awaiting acks, removing idle streams
// and watching the epochs of the streams followed.
func (s *natsLogs) start() {
	s.subscribeAdvisories()
	if err := s.conn.connect(); err != nil {
		s.conn.log.Error("nats connect", "err", err)
		return
	}
	s.stopped.Go(s.awaitAcks)
	s.stopped.Go(s.sweepIdleStreams)
	s.stopped.Go(s.watchStreams)
}

// ready reports whether the relay is connected to NATS and follows every
// room it needs.
func (s *natsLogs) ready() bool { return s.conn.ready() }

// close stops awaiting acks and closes the connection.
func (s *natsLogs) close() {
	if s.conn.closing.Load() {
		return
	}
	close(s.stop)
	s.cancelBackground()
	s.stopped.Wait()
	s.conn.close()
	if js := s.conn.js.Load(); js != nil {
		// Fails the acks still awaited at once rather than at their timeout:
		// every session has ended (Server.Shutdown closes the hub last),
		// so nobody is left to hear them.
		(*js).CleanupPublisher()
	}
	// After the connection's close: a duplicate's GetMsg and a
	// consumer's deletion fail at once.
	s.duplicates.Wait()
	s.cleanups.Wait()
}

// roomErr wraps err with the room for logs.
func roomErr(room, what string, err error) error {
	return fmt.Errorf("room %s: %s: %w", room, what, err)
}
