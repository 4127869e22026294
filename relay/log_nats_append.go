package relay

// The append path of natsLogs.

import (
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsMaxPendingPubs bounds the pubs a relay has sent to JetStream and not
// yet seen acknowledged (jetstream.WithPublishAsyncMaxPending), and the
// queue of pubs awaiting awaitAcks. When it is reached, a connection's
// reader waits (at most BrokerTimeout) for a free slot: backpressure onto
// the client's TCP connection, not unbounded memory.
const natsMaxPendingPubs = 4096

// A connection's pubs are pipelined: its reader hands each pub to
// JetStream without waiting for the ack (PublishMsgAsync), so a client that
// keeps several pubs in flight (a benchmark, a PWA flushing its outbox) is
// not held to one pub per JetStream round trip.
//
// Order: the reader publishes one pub after the other on the relay's one
// NATS connection, which keeps their order, and JetStream stores a stream's
// msgs in arrival order, so one connection's pubs get seqs in send order.
// Publishes are not retried on "no responders" (WithRetryAttempts(0)): a
// retry would be sent after later pubs and swap them. Such a pub is refused
// with unavailable instead, and the client resends it.
//
// Acks: one goroutine per relay, awaitAcks, reads the pending pubs in
// publish order from b.pending and waits for each one's ack or error. Acks
// are only bookkeeping (metrics, refusals, duplicates): the msg itself
// reaches every member, the sender included, through the room's feed, so
// waiting in order delays no msg. Each wait ends: every future resolves
// with its ack, or an error at BrokerTimeout (WithPublishAsyncTimeout), on
// a disconnect, or when close fails the rest (CleanupPublisher). A
// duplicate's original is read from the stream (a JetStream request) in a
// goroutine of its own, so that it does not hold up the others' acks;
// duplicates only come from resends.
//
// Bounds: at most natsMaxPendingPubs pubs per relay in flight and as many
// queued for awaitAcks; a connection has no goroutine of its own per pub,
// and its rate limiter (-rate, -burst) bounds how many of those slots it
// can take: at most burst + rate × BrokerTimeout.

// pendingPub is a pub sent to JetStream whose ack is awaited.
type pendingPub struct {
	ack jetstream.PubAckFuture
	pub publication
	log *natsFollow
}

// append sends p to the room's stream, deduplicated by JetStream on
// (cid, id), and returns appendPending without waiting for JetStream's
// ack: awaitAcks handles it. The msg reaches every member, the publisher
// included, through the feeds of every relay.
func (f *natsFollow) append(p publication) appendResult {
	s := f.store
	js, err := s.conn.jetStream()
	if err != nil || f.stopped.Load() {
		return appendResult{status: appendFailed}
	}
	msg := &nats.Msg{
		Subject: f.subject,
		Data:    appendMsgTail(make([]byte, 0, msgTailSize(p.conn, p.cid, p.idJSON, p.data)), p.conn, p.cid, p.idJSON, p.data),
	}
	ack, err := js.PublishMsgAsync(msg,
		jetstream.WithMsgID(natsMsgID(p.cid, p.id)),
		jetstream.WithExpectStream(f.streamName),
		jetstream.WithRetryAttempts(0),
		jetstream.WithStallWait(s.conn.timeout))
	if err != nil {
		s.conn.log.Debug("publish failed", "room", f.room, "err", err)
		return appendResult{status: appendFailed}
	}
	select {
	case s.pending <- pendingPub{ack: ack, pub: p, log: f}:
		return appendResult{status: appendPending}
	case <-s.stop:
		return appendResult{status: appendFailed}
	}
}

// awaitAcks handles the acks of the relay's pubs, in publish order, until
// the store closes.
func (s *natsLogs) awaitAcks() {
	for {
		select {
		case p := <-s.pending:
			select {
			case ack := <-p.ack.Ok():
				s.published(p, ack)
			case err := <-p.ack.Err():
				s.conn.log.Debug("publish failed", "room", p.log.room, "err", err)
				p.log.sink.appended(p.pub, appendResult{status: appendFailed})
			case <-s.stop:
				return
			}
		case <-s.stop:
			return
		}
	}
}

// published counts a stored pub, or answers a duplicate with its original,
// read from the stream in a goroutine of its own so that it does not hold
// up the others' acks.
func (s *natsLogs) published(p pendingPub, ack *jetstream.PubAck) {
	if !ack.Duplicate {
		s.metrics.messagesIn.Inc()
		s.metrics.brokerPublished.Inc()
		return
	}
	s.duplicates.Go(func() {
		frame, err := p.log.original(ack.Sequence)
		if err != nil {
			// The original left the stream but its id is still in the dedup
			// window: confirm with what the client resent under the original seq.
			frame = msgFromTail(ack.Sequence, time.Now().UnixMilli(), p.ack.Msg().Data)
		}
		p.log.sink.appended(p.pub, appendResult{status: appendDuplicate, seq: ack.Sequence, frame: frame})
	})
}
