package relay

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/chatpwa/chat/relay/wire"
)

// NATS connection settings. Reconnecting fast matters more than sparing the
// server: while disconnected the relay refuses every pub.
const (
	natsReconnectWait   = 500 * time.Millisecond
	natsReconnectJitter = 250 * time.Millisecond
	// natsPingsPerInterval: the client pings NATS every
	// natsPingsPerInterval presence intervals, so a server that vanished
	// without closing the TCP connection is noticed within a few of them.
	natsPingsPerInterval = 5
)

// endBrokerUnavailable closes a connection that cannot join its room
// because NATS is unreachable: 1013 tells the client to come back later,
// and a load balancer (reading /readyz) sends it to another relay.
var endBrokerUnavailable = ending{name: "broker unavailable", code: websocket.StatusTryAgainLater, reason: "broker unavailable: reconnect with since"}

// errBrokerUnavailable is why a join or pub fails while NATS is unreachable.
var errBrokerUnavailable = errors.New("broker unavailable")

// natsBroker shares rooms among every relay connected to the same NATS
// JetStream. A room's msgs are published into the room's stream and reach
// the members of every relay through an ordered consumer per relay and
// room: JetStream assigns seq, so there is one total order per room.
// JetStream also keeps the recovery window and deduplicates (Nats-Msg-Id).
// Presence is replicated between relays on a core NATS subject
// (nats_presence.go). See PROTOCOL.md, "Many relays".
type natsBroker struct {
	rooms    *rooms
	urls     []string
	timeout  time.Duration
	interval time.Duration
	log      *slog.Logger
	// id names this relay to the others; random like conn ids.
	id string

	conn atomic.Pointer[nats.Conn]
	js   atomic.Pointer[jetstream.JetStream]

	presence presence

	// readyMu guards readyCh, closed and replaced whenever the connection
	// comes or goes, for whoever waits for readiness (tests).
	readyMu sync.Mutex
	readyCh chan struct{}

	// pending carries this relay's pubs, in publish order, from the
	// connections' readers to awaitAcks (nats_publish.go).
	pending chan pendingPub
	// duplicates counts the goroutines answering duplicate pubs.
	duplicates sync.WaitGroup

	stop    chan struct{} // closed by close
	stopped sync.WaitGroup
	closing atomic.Bool
}

var _ broker = (*natsBroker)(nil)

func newNATSBroker(h *rooms, cfg Config) *natsBroker {
	b := &natsBroker{
		rooms:    h,
		urls:     cfg.NATS,
		timeout:  cfg.BrokerTimeout,
		interval: cfg.PresenceInterval,
		log:      cfg.Logger.With("broker", "nats"),
		id:       newConnID(),
		pending:  make(chan pendingPub, natsMaxPendingPubs),
		stop:     make(chan struct{}),
		readyCh:  make(chan struct{}),
	}
	b.presence.init(b)
	return b
}

// start connects to NATS, retrying until a server answers, and starts the
// presence heartbeat.
func (b *natsBroker) start() {
	nc, err := nats.Connect(strings.Join(b.urls, ","),
		nats.Name("chat-relay "+b.id),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(natsReconnectWait),
		nats.ReconnectJitter(natsReconnectJitter, natsReconnectJitter),
		nats.PingInterval(natsPingsPerInterval*b.interval),
		nats.ConnectHandler(func(*nats.Conn) { b.connected(false) }),
		nats.ReconnectHandler(func(*nats.Conn) { b.connected(true) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			b.rooms.metrics.brokerConnected.Set(0)
			b.readyChanged()
			if !b.closing.Load() {
				b.log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			b.log.Warn("nats error", "err", err)
		}),
	)
	if err != nil {
		// Only a malformed URL or option gets here: connection failures retry.
		b.log.Error("nats connect", "err", err)
		return
	}
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(natsMaxPendingPubs),
		jetstream.WithPublishAsyncTimeout(b.timeout))
	if err != nil {
		b.log.Error("jetstream", "err", err)
		nc.Close()
		return
	}
	b.js.Store(&js)
	if _, err := nc.Subscribe(presenceSubject, b.presence.receive); err != nil {
		b.log.Error("nats subscribe presence", "err", err)
	}
	b.conn.Store(nc)
	if nc.IsConnected() {
		b.connected(false)
	}
	b.stopped.Go(func() { b.presence.heartbeat(b.stop) })
	b.stopped.Go(b.awaitAcks)
}

// connected runs when the connection to NATS is (re)established.
func (b *natsBroker) connected(again bool) {
	b.rooms.metrics.brokerConnected.Set(1)
	defer b.readyChanged()
	if again {
		b.rooms.metrics.brokerReconnects.Inc()
		b.log.Info("nats reconnected")
	} else {
		b.log.Info("nats connected")
	}
	b.presence.resync()
}

// ready reports whether the relay is connected to NATS.
func (b *natsBroker) ready() bool {
	nc := b.conn.Load()
	return nc != nil && nc.IsConnected() && !b.closing.Load()
}

// readyChanged wakes whoever waits in readyNotify.
func (b *natsBroker) readyChanged() {
	b.readyMu.Lock()
	defer b.readyMu.Unlock()
	close(b.readyCh)
	b.readyCh = make(chan struct{})
}

// readyNotify returns a channel closed at the next change of readiness.
func (b *natsBroker) readyNotify() <-chan struct{} {
	b.readyMu.Lock()
	defer b.readyMu.Unlock()
	return b.readyCh
}

// jetStream returns the JetStream context once connected.
func (b *natsBroker) jetStream() (jetstream.JetStream, error) {
	js := b.js.Load()
	if js == nil || !b.ready() {
		return nil, errBrokerUnavailable
	}
	return *js, nil
}

// close says goodbye to the other relays, so that they drop this relay's
// members at once, stops every feed and closes the connection.
func (b *natsBroker) close() {
	if b.closing.Swap(true) {
		return
	}
	close(b.stop)
	b.stopped.Wait()
	h := b.rooms
	h.mu.Lock()
	h.closed = true
	for _, r := range h.byName {
		r.mu.Lock()
		r.stopFeedLocked()
		r.mu.Unlock()
	}
	h.mu.Unlock()
	if nc := b.conn.Load(); nc != nil {
		b.presence.bye()
		_ = nc.FlushTimeout(b.timeout)
		nc.Close()
	}
	if js := b.js.Load(); js != nil {
		// Fails the acks still awaited at once rather than at their timeout:
		// every session has ended (Server.Shutdown closes the broker last),
		// so nobody is left to hear them.
		(*js).CleanupPublisher()
	}
	// After nc.Close: a duplicate's GetMsg fails at once.
	b.duplicates.Wait()
}

// newRoomLocked creates and registers the room name. Called with h.mu held.
func (b *natsBroker) newRoomLocked(name string) *room {
	h := b.rooms
	r := &room{name: name}
	r.onDrop = func(gone *member) { b.presence.localLeave(r, gone) }
	h.byName[name] = r
	h.metrics.rooms.Set(float64(len(h.byName)))
	return r
}

// join follows the room (its stream and feed) when it is new here,
// registers m atomically with respect to the feed, announces m to every
// relay, and then reads m's replay from JetStream, outside any lock: live
// msgs queue up behind the welcome meanwhile.
func (b *natsBroker) join(m *member, req joinRequest) *room {
	h := b.rooms
	h.mu.Lock()
	r := h.byName[req.room]
	if r == nil {
		r = b.newRoomLocked(req.room)
	}
	r.joining++ // keeps r registered while following, outside the locks
	h.mu.Unlock()
	defer b.joined(r)

	for {
		r.mu.Lock()
		if r.feed != nil {
			break
		}
		r.mu.Unlock()
		if err := b.follow(r); err != nil {
			b.log.Warn("join refused", "room", req.room, "err", err)
			m.kill(endBrokerUnavailable, "")
			return r
		}
	}
	feed := r.feed
	welcome := h.newWelcome(m, req.room, r)
	welcome.Peers = r.peersLocked(welcome.Peers)
	r.members = append(r.members, m)
	m.inRoom = true
	joinFrame := mustEncode(wire.Join{Type: wire.TypeJoin, Peer: m.peer()})
	delivered := r.fanOutLocked(joinFrame, m)
	b.presence.localJoin(r, m)
	r.mu.Unlock()
	h.metrics.deliveries.Add(float64(delivered))

	since, useSince := req.since, req.hasSince
	sameEpoch := req.epoch == "" || req.epoch == welcome.Epoch
	if useSince && !sameEpoch {
		since = 0 // another seq space: replay everything kept
	}
	var replay [][]byte
	if useSince {
		var recovered bool
		var err error
		replay, recovered, err = b.replay(feed, since, welcome.Seq)
		if err != nil {
			b.log.Warn("replay failed", "room", req.room, "err", err)
			m.kill(endBrokerUnavailable, "")
			return r
		}
		welcome.Recovered = recovered && sameEpoch
	}
	m.initial = append(make([][]byte, 0, 1+len(replay)), mustEncode(welcome))
	m.initial = append(m.initial, replay...)
	h.metrics.deliveries.Add(float64(len(m.initial)))
	return r
}

// joined ends a join: r may be freed again when it stayed empty.
func (b *natsBroker) joined(r *room) {
	h := b.rooms
	h.mu.Lock()
	r.joining--
	h.mu.Unlock()
	r.mu.Lock()
	h.unlock(r)
}

// setMeta records m's metadata, announces it here and to the other relays.
func (b *natsBroker) setMeta(m *member, r *room, meta json.RawMessage) {
	b.rooms.setMetaHere(m, r, meta, func() { b.presence.localMeta(r, m) })
}

// leave takes m out of r and announces it here and to the other relays.
func (b *natsBroker) leave(m *member, r *room) {
	b.rooms.leaveHere(m, r, func() { b.presence.localLeave(r, m) })
}

// releaseIfIdle stops r's feed once no member is here, and forgets r once
// no member is anywhere. The stream stays: its limits expire its msgs.
func (b *natsBroker) releaseIfIdle(r *room) {
	h := b.rooms
	h.mu.Lock()
	defer h.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.freed || len(r.members) > 0 || r.joining > 0 || h.closed {
		return
	}
	r.stopFeedLocked()
	if len(r.remote) == 0 {
		h.freeLocked(r)
	}
}

// errorf wraps err with the room for logs.
func roomErr(room, what string, err error) error {
	return fmt.Errorf("room %s: %s: %w", room, what, err)
}
