package relay

import (
	"encoding/json"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/chatpwa/chat/relay/wire"
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
	ack  jetstream.PubAckFuture
	m    *member
	r    *room
	id   string
	feed *natsFeed
}

// publish sends a pub to the room's stream, deduplicated by JetStream on
// (cid, id), and returns without waiting for JetStream's ack: awaitAcks
// handles it. The msg reaches every member, m included, through the feeds
// of every relay.
func (b *natsBroker) publish(m *member, r *room, id string, data json.RawMessage) {
	r.mu.Lock()
	inRoom, feed := m.inRoom, r.feed
	r.mu.Unlock()
	if !inRoom {
		return
	}
	js, err := b.jetStream()
	if err != nil || feed == nil {
		b.refuse(m, r, id)
		return
	}
	idJSON := encodeString(id)
	msg := &nats.Msg{
		Subject: feed.subject,
		Data:    appendMsgTail(make([]byte, 0, msgTailSize(m.id, m.cid, idJSON, data)), m.id, m.cid, idJSON, data),
	}
	ack, err := js.PublishMsgAsync(msg,
		jetstream.WithMsgID(natsMsgID(m.cid, id)),
		jetstream.WithExpectStream(feed.stream.name),
		jetstream.WithRetryAttempts(0),
		jetstream.WithStallWait(b.timeout))
	if err != nil {
		b.log.Debug("publish failed", "room", r.name, "err", err)
		b.refuse(m, r, id)
		return
	}
	select {
	case b.pending <- pendingPub{ack: ack, m: m, r: r, id: id, feed: feed}:
	case <-b.stop:
		b.refuse(m, r, id)
	}
}

// awaitAcks handles the acks of the relay's pubs, in publish order, until
// the broker closes.
func (b *natsBroker) awaitAcks() {
	for {
		select {
		case p := <-b.pending:
			select {
			case ack := <-p.ack.Ok():
				b.published(p, ack)
			case err := <-p.ack.Err():
				b.log.Debug("publish failed", "room", p.r.name, "err", err)
				b.refuse(p.m, p.r, p.id)
			case <-b.stop:
				return
			}
		case <-b.stop:
			return
		}
	}
}

// published counts a stored pub, or answers a duplicate: its original is
// re-sent to m alone, unless the feed has not delivered it here yet: then
// m gets it live, once.
func (b *natsBroker) published(p pendingPub, ack *jetstream.PubAck) {
	h := b.rooms
	if !ack.Duplicate {
		h.metrics.messagesIn.Inc()
		h.metrics.brokerPublished.Inc()
		return
	}
	b.duplicates.Go(func() {
		frame, err := p.feed.stream.original(ack.Sequence, b.timeout)
		if err != nil {
			// The original left the stream but its id is still in the dedup
			// window: confirm with what the client resent under the original seq.
			frame = msgFromTail(ack.Sequence, time.Now().UnixMilli(), p.ack.Msg().Data)
		}
		r := p.r
		r.mu.Lock()
		delivered := 0
		if p.m.inRoom && ack.Sequence <= r.lastSeq {
			delivered = r.offerLocked(p.m, frame)
		}
		h.unlock(r)
		h.metrics.deliveries.Add(float64(delivered))
	})
}

// refuse answers a pub the broker cannot publish now with error
// unavailable; the client keeps it and resends it with the same id.
func (b *natsBroker) refuse(m *member, r *room, id string) {
	h := b.rooms
	frame := errorFrame(wire.CodeUnavailable, id, "relay cannot publish now: resend later with the same id")
	h.metrics.refused[wire.CodeUnavailable].Inc()
	r.mu.Lock()
	delivered := 0
	if m.inRoom {
		delivered = r.offerLocked(m, frame)
	}
	h.unlock(r)
	h.metrics.deliveries.Add(float64(delivered))
}
