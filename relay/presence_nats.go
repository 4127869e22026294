package relay

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Presence between relays travels on one core NATS subject,
// presenceSubject, as JSON presenceEvents. One subject (and one
// subscription per relay) keeps every relay's events in the order that
// relay published them. Every relay holds the presence of every room:
// a joiner's welcome lists the members of all relays without a round trip.
//
// Each relay numbers its presence changes (join, leave, meta) with a
// version. Every presenceInterval it publishes "alive" with its current
// version. A receiver that sees a version it did not reach, or a gap in the
// numbering (an event lost while it was disconnected), asks that relay for
// its whole state ("sync"); the relay answers with one "state" per room and
// a closing "synced", which replace what the others knew of it. A relay
// unheard for presenceMissedBeats intervals is gone: its members leave
// every room everywhere. A relay shutting down says "bye" first.
//
// The events are at-most-once and not ordered with the msgs of the stream:
// a join may arrive shortly after a msg the joiner published. Presence is
// eventually consistent within about one interval; each member still learns
// of each peer exactly once (in welcome.peers or in a join).
const presenceMissedBeats = 3

// Kinds of presenceEvent.
const (
	presenceJoin   = "join"
	presenceLeave  = "leave"
	presenceMeta   = "meta"
	presenceAlive  = "alive"
	presenceSync   = "sync"
	presenceState  = "state"
	presenceSynced = "synced"
	presenceBye    = "bye"
)

// presenceEvent is one message on presenceSubject.
type presenceEvent struct {
	Relay string `json:"relay"`
	Kind  string `json:"kind"`
	// V is the publishing relay's presence version after this change
	// (join, leave, meta) or now (alive, state, synced).
	V     uint64          `json:"v,omitempty"`
	Room  string          `json:"room,omitempty"`
	Peer  *peerAt         `json:"peer,omitempty"`  // join
	Conn  string          `json:"conn,omitempty"`  // leave, meta
	Meta  json.RawMessage `json:"meta,omitempty"`  // meta
	Peers []peerAt        `json:"peers,omitempty"` // state
	To    string          `json:"to,omitempty"`    // sync: the relay asked, "" for all
}

// remoteRelay is what this relay knows of another.
type remoteRelay struct {
	version uint64
	asked   time.Time           // when it was last asked for its state
	rooms   map[string]struct{} // rooms where it has members
	syncing map[string]struct{} // rooms its state answer covered so far
}

// natsPresence replicates the members of every room between relays.
type natsPresence struct {
	conn *natsConn
	sink presenceSink // the hub, from start

	// mu guards the local view and serializes the publishing of local
	// changes, so that their versions go out in order. A leaf lock.
	mu      sync.Mutex
	version uint64
	local   map[string]map[string]peerAt // room → conn → member here

	// relaysMu guards relays; taken before the registry's and rooms' locks.
	relaysMu sync.Mutex
	relays   map[string]*remoteRelay

	syncWanted chan struct{} // a state answer is due; capacity 1 coalesces requests

	// Heartbeats are handled apart from the changes they announce: the
	// subscription only notes when each relay was last heard (seen) and
	// queues the event; apply changes the rooms, which may wait for a
	// busy room's lock. So a relay busy fanning out never misses the
	// others' heartbeats, and is never declared dead for that by them
	// (its own heartbeat goroutine takes no lock apply holds).
	seenMu sync.Mutex
	seen   map[string]time.Time
	events chan presenceEvent

	stop    chan struct{} // closed by close
	stopped sync.WaitGroup
}

var _ presence = (*natsPresence)(nil)

func newNATSPresence(conn *natsConn) *natsPresence {
	p := &natsPresence{
		conn:       conn,
		local:      make(map[string]map[string]peerAt),
		relays:     make(map[string]*remoteRelay),
		syncWanted: make(chan struct{}, 1),
		seen:       make(map[string]time.Time),
		events:     make(chan presenceEvent, presenceQueue),
		stop:       make(chan struct{}),
	}
	conn.onConnect = p.resync
	return p
}

// start subscribes to the other relays' events (on connect) and starts
// heartbeating.
func (p *natsPresence) start(sink presenceSink) {
	p.sink = sink
	p.conn.subscriptions[presenceSubject] = p.receive
	p.stopped.Go(func() { p.heartbeat(p.stop) })
	p.stopped.Go(p.applyEvents)
}

// presenceQueue bounds the events received and not yet applied; when it
// is full the subscription waits (nats.go then buffers, up to its limits).
const presenceQueue = 4096

// presenceGone is the kind of the event sweep queues for a relay unheard
// for presenceMissedBeats intervals; it never travels on NATS.
const presenceGone = "gone"

// applyEvents applies the queued events in order until close.
func (p *natsPresence) applyEvents() {
	for {
		select {
		case <-p.stop:
			return
		case ev := <-p.events:
			p.apply(ev)
		}
	}
}

// close stops heartbeating and says goodbye, so that the other relays drop
// this relay's members at once.
func (p *natsPresence) close() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	p.stopped.Wait()
	p.bye()
}

// publishLocked sends ev. Called with p.mu held, or for events that carry
// no version.
func (p *natsPresence) publish(ev presenceEvent) {
	nc := p.conn.nc.Load()
	if nc == nil {
		return
	}
	ev.Relay = p.conn.id
	data, err := json.Marshal(ev)
	if err != nil {
		p.conn.log.Error("presence encode", "err", err)
		return
	}
	// While disconnected nats.go buffers it; after a close it is lost, and
	// the heartbeat's sync repairs what others missed.
	_ = nc.Publish(presenceSubject, data)
}

// join announces a member that just joined room here. Called with the
// room's lock held.
func (p *natsPresence) join(room string, peer peerAt) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.version++
	byConn := p.local[room]
	if byConn == nil {
		byConn = make(map[string]peerAt)
		p.local[room] = byConn
	}
	byConn[peer.Conn] = peer
	p.publish(presenceEvent{Kind: presenceJoin, V: p.version, Room: room, Peer: &peer})
}

// meta announces a member's new metadata. Called with the room's lock held.
func (p *natsPresence) meta(room, conn string, meta json.RawMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.version++
	if sp, ok := p.local[room][conn]; ok {
		sp.Meta = meta
		p.local[room][conn] = sp
	}
	p.publish(presenceEvent{Kind: presenceMeta, V: p.version, Room: room, Conn: conn, Meta: meta})
}

// leave announces that a member left room here. Called with the room's
// lock held.
func (p *natsPresence) leave(room, conn string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.version++
	delete(p.local[room], conn)
	if len(p.local[room]) == 0 {
		delete(p.local, room)
	}
	p.publish(presenceEvent{Kind: presenceLeave, V: p.version, Room: room, Conn: conn})
}

// sendState publishes this relay's whole presence: a state per room and
// synced. Under p.mu, so no change interleaves.
func (p *natsPresence) sendState() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for room, byConn := range p.local {
		peers := make([]peerAt, 0, len(byConn))
		for _, sp := range byConn {
			peers = append(peers, sp)
		}
		p.publish(presenceEvent{Kind: presenceState, V: p.version, Room: room, Peers: peers})
	}
	p.publish(presenceEvent{Kind: presenceSynced, V: p.version})
}

// wantSync schedules a state answer on the heartbeat goroutine.
func (p *natsPresence) wantSync() {
	select {
	case p.syncWanted <- struct{}{}:
	default:
	}
}

// resync runs on every (re)connection: the others may have dropped this
// relay's members, and this relay may have missed their changes. No relay
// is judged dead on silence from the time this relay was cut off.
func (p *natsPresence) resync() {
	p.seenMu.Lock()
	now := time.Now()
	for id := range p.seen {
		p.seen[id] = now
	}
	p.seenMu.Unlock()
	p.publish(presenceEvent{Kind: presenceSync})
	p.wantSync()
}

// bye tells the others that this relay is going away.
func (p *natsPresence) bye() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.publish(presenceEvent{Kind: presenceBye})
}

// heartbeat publishes alive every interval, answers sync requests and
// drops the relays that fell silent, until stop is closed.
func (p *natsPresence) heartbeat(stop <-chan struct{}) {
	ticker := time.NewTicker(p.conn.interval)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-p.syncWanted:
			p.sendState()
		case <-ticker.C:
			p.mu.Lock()
			p.publish(presenceEvent{Kind: presenceAlive, V: p.version})
			p.mu.Unlock()
			p.sweep()
		}
	}
}

// sweep drops the relays unheard for presenceMissedBeats intervals. While
// this relay itself is cut off, silence proves nothing.
func (p *natsPresence) sweep() {
	if !p.conn.connectedNow() {
		return
	}
	deadline := time.Now().Add(-presenceMissedBeats * p.conn.interval)
	p.seenMu.Lock()
	defer p.seenMu.Unlock()
	for id, last := range p.seen {
		if !last.Before(deadline) {
			continue
		}
		select {
		case p.events <- presenceEvent{Relay: id, Kind: presenceGone}:
			p.conn.log.Info("relay gone", "relay", id)
			delete(p.seen, id)
		default: // the queue is full: next tick
		}
	}
}

// receive notes that another relay was heard and queues its event.
func (p *natsPresence) receive(msg *nats.Msg) {
	var ev presenceEvent
	if err := json.Unmarshal(msg.Data, &ev); err != nil || ev.Relay == "" || !validPresence(&ev) {
		p.conn.metrics.brokerInvalid.Inc()
		p.conn.log.Debug("invalid presence event dropped", "size", len(msg.Data))
		return
	}
	if ev.Relay == p.conn.id {
		return
	}
	p.seenMu.Lock()
	if ev.Kind == presenceBye {
		delete(p.seen, ev.Relay)
	} else {
		p.seen[ev.Relay] = time.Now()
	}
	p.seenMu.Unlock()
	select {
	case p.events <- ev:
	case <-p.stop:
	}
}

// apply applies one event of another relay, in the order received.
func (p *natsPresence) apply(ev presenceEvent) {
	p.relaysMu.Lock()
	defer p.relaysMu.Unlock()
	rel := p.relays[ev.Relay]
	if ev.Kind == presenceBye || ev.Kind == presenceGone {
		if rel != nil {
			p.dropRelayLocked(ev.Relay, rel)
		}
		return
	}
	if rel == nil {
		rel = &remoteRelay{rooms: make(map[string]struct{}), syncing: make(map[string]struct{})}
		p.relays[ev.Relay] = rel
	}
	switch ev.Kind {
	case presenceAlive:
		if ev.V != rel.version {
			p.askLocked(ev.Relay, rel)
		}
	case presenceSync:
		if ev.To == "" || ev.To == p.conn.id {
			p.wantSync()
		}
	case presenceJoin, presenceLeave, presenceMeta:
		if ev.V != rel.version+1 {
			p.askLocked(ev.Relay, rel) // a gap: apply what came, repair by sync
		}
		rel.version = ev.V
		switch ev.Kind {
		case presenceJoin:
			if ev.Peer != nil {
				p.track(rel, ev.Room, p.sink.upsertRemote(ev.Room, ev.Relay, *ev.Peer))
			}
		case presenceLeave:
			p.track(rel, ev.Room, p.sink.removeRemote(ev.Room, ev.Relay, ev.Conn))
		case presenceMeta:
			p.track(rel, ev.Room, p.sink.setRemoteMeta(ev.Room, ev.Relay, ev.Conn, ev.Meta))
		}
	case presenceState:
		rel.syncing[ev.Room] = struct{}{}
		p.track(rel, ev.Room, p.sink.replaceRemote(ev.Room, ev.Relay, ev.Peers))
	case presenceSynced:
		for name := range rel.rooms {
			if _, covered := rel.syncing[name]; !covered {
				p.track(rel, name, p.sink.replaceRemote(name, ev.Relay, nil))
			}
		}
		clear(rel.syncing)
		rel.version = ev.V
	}
}

// askLocked asks a relay for its whole state, at most once per interval.
func (p *natsPresence) askLocked(id string, rel *remoteRelay) {
	if time.Since(rel.asked) < p.conn.interval {
		return
	}
	rel.asked = time.Now()
	p.publish(presenceEvent{Kind: presenceSync, To: id})
}

// dropRelayLocked removes every member of a relay that is gone.
func (p *natsPresence) dropRelayLocked(id string, rel *remoteRelay) {
	for name := range rel.rooms {
		p.sink.replaceRemote(name, id, nil)
	}
	delete(p.relays, id)
}

// track keeps rel.rooms current: the rooms where rel has members.
func (p *natsPresence) track(rel *remoteRelay, room string, still bool) {
	if room == "" {
		return
	}
	if still {
		rel.rooms[room] = struct{}{}
	} else {
		delete(rel.rooms, room)
	}
}
