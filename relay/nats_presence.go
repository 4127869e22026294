package relay

import (
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/chatpwa/chat/relay/wire"
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
	Peer  *statePeer      `json:"peer,omitempty"`  // join
	Conn  string          `json:"conn,omitempty"`  // leave, meta
	Meta  json.RawMessage `json:"meta,omitempty"`  // meta
	Peers []statePeer     `json:"peers,omitempty"` // state
	To    string          `json:"to,omitempty"`    // sync: the relay asked, "" for all
}

// statePeer is a member as relays describe it to each other.
type statePeer struct {
	wire.Peer
	// At is when the member joined (Unix ns, its relay's clock): the order
	// of welcome.peers across relays.
	At int64 `json:"at"`
}

// remotePeer is a member connected to another relay.
type remotePeer struct {
	relay      string
	at         int64
	peer       wire.Peer
	leaveFrame []byte
}

// remoteRelay is what this relay knows of another.
type remoteRelay struct {
	version  uint64
	lastSeen time.Time
	asked    time.Time           // when it was last asked for its state
	rooms    map[string]struct{} // rooms where it has members
	syncing  map[string]struct{} // rooms its state answer covered so far
}

// presence replicates the members of every room between relays.
type presence struct {
	b *natsBroker

	// mu guards the local view and serializes the publishing of local
	// changes, so that their versions go out in order. A leaf lock.
	mu      sync.Mutex
	version uint64
	local   map[string]map[string]statePeer // room → conn → member here

	// relaysMu guards relays; taken before the registry's and rooms' locks.
	relaysMu sync.Mutex
	relays   map[string]*remoteRelay

	syncWanted chan struct{} // a state answer is due; capacity 1 coalesces requests
}

func (p *presence) init(b *natsBroker) {
	p.b = b
	p.local = make(map[string]map[string]statePeer)
	p.relays = make(map[string]*remoteRelay)
	p.syncWanted = make(chan struct{}, 1)
}

// publishLocked sends ev. Called with p.mu held, or for events that carry
// no version.
func (p *presence) publish(ev presenceEvent) {
	nc := p.b.conn.Load()
	if nc == nil {
		return
	}
	ev.Relay = p.b.id
	data, err := json.Marshal(ev)
	if err != nil {
		p.b.log.Error("presence encode", "err", err)
		return
	}
	// While disconnected nats.go buffers it; after a close it is lost, and
	// the heartbeat's sync repairs what others missed.
	_ = nc.Publish(presenceSubject, data)
}

// localJoin announces m, who just joined r here. Called with r.mu held.
func (p *presence) localJoin(r *room, m *member) {
	sp := statePeer{Peer: m.peer(), At: time.Now().UnixNano()}
	if r.joinedAt == nil {
		r.joinedAt = make(map[*member]int64)
	}
	r.joinedAt[m] = sp.At
	p.mu.Lock()
	defer p.mu.Unlock()
	p.version++
	byConn := p.local[r.name]
	if byConn == nil {
		byConn = make(map[string]statePeer)
		p.local[r.name] = byConn
	}
	byConn[m.id] = sp
	p.publish(presenceEvent{Kind: presenceJoin, V: p.version, Room: r.name, Peer: &sp})
}

// localMeta announces m's new metadata. Called with r.mu held.
func (p *presence) localMeta(r *room, m *member) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.version++
	if sp, ok := p.local[r.name][m.id]; ok {
		sp.Meta = m.meta
		p.local[r.name][m.id] = sp
	}
	p.publish(presenceEvent{Kind: presenceMeta, V: p.version, Room: r.name, Conn: m.id, Meta: m.meta})
}

// localLeave announces that m left r here. Called with r.mu held.
func (p *presence) localLeave(r *room, m *member) {
	delete(r.joinedAt, m)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.version++
	delete(p.local[r.name], m.id)
	if len(p.local[r.name]) == 0 {
		delete(p.local, r.name)
	}
	p.publish(presenceEvent{Kind: presenceLeave, V: p.version, Room: r.name, Conn: m.id})
}

// sendState publishes this relay's whole presence: a state per room and
// synced. Under p.mu, so no change interleaves.
func (p *presence) sendState() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for room, byConn := range p.local {
		peers := make([]statePeer, 0, len(byConn))
		for _, sp := range byConn {
			peers = append(peers, sp)
		}
		p.publish(presenceEvent{Kind: presenceState, V: p.version, Room: room, Peers: peers})
	}
	p.publish(presenceEvent{Kind: presenceSynced, V: p.version})
}

// wantSync schedules a state answer on the heartbeat goroutine.
func (p *presence) wantSync() {
	select {
	case p.syncWanted <- struct{}{}:
	default:
	}
}

// resync runs on every (re)connection: the others may have dropped this
// relay's members, and this relay may have missed their changes. No relay
// is judged dead on silence from the time this relay was cut off.
func (p *presence) resync() {
	p.relaysMu.Lock()
	now := time.Now()
	for _, rel := range p.relays {
		rel.lastSeen = now
	}
	p.relaysMu.Unlock()
	p.publish(presenceEvent{Kind: presenceSync})
	p.wantSync()
}

// bye tells the others that this relay is going away.
func (p *presence) bye() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.publish(presenceEvent{Kind: presenceBye})
}

// heartbeat publishes alive every interval, answers sync requests and
// drops the relays that fell silent, until stop is closed.
func (p *presence) heartbeat(stop <-chan struct{}) {
	ticker := time.NewTicker(p.b.interval)
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
func (p *presence) sweep() {
	if !p.b.ready() {
		return
	}
	deadline := time.Now().Add(-presenceMissedBeats * p.b.interval)
	p.relaysMu.Lock()
	defer p.relaysMu.Unlock()
	for id, rel := range p.relays {
		if rel.lastSeen.Before(deadline) {
			p.b.log.Info("relay gone", "relay", id)
			p.dropRelayLocked(id, rel)
		}
	}
}

// receive applies one event of another relay.
func (p *presence) receive(msg *nats.Msg) {
	var ev presenceEvent
	if err := json.Unmarshal(msg.Data, &ev); err != nil || ev.Relay == "" || ev.Relay == p.b.id {
		return
	}
	p.relaysMu.Lock()
	defer p.relaysMu.Unlock()
	rel := p.relays[ev.Relay]
	if ev.Kind == presenceBye {
		if rel != nil {
			p.dropRelayLocked(ev.Relay, rel)
		}
		return
	}
	if rel == nil {
		rel = &remoteRelay{rooms: make(map[string]struct{}), syncing: make(map[string]struct{})}
		p.relays[ev.Relay] = rel
	}
	rel.lastSeen = time.Now()
	switch ev.Kind {
	case presenceAlive:
		if ev.V != rel.version {
			p.askLocked(ev.Relay, rel)
		}
	case presenceSync:
		if ev.To == "" || ev.To == p.b.id {
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
				p.update(ev.Relay, rel, ev.Room, func(r *room) int { return r.upsertRemoteLocked(ev.Relay, *ev.Peer) })
			}
		case presenceLeave:
			p.update(ev.Relay, rel, ev.Room, func(r *room) int { return r.removeRemoteLocked(ev.Relay, ev.Conn) })
		case presenceMeta:
			p.update(ev.Relay, rel, ev.Room, func(r *room) int { return r.setRemoteMetaLocked(ev.Relay, ev.Conn, ev.Meta) })
		}
	case presenceState:
		rel.syncing[ev.Room] = struct{}{}
		p.update(ev.Relay, rel, ev.Room, func(r *room) int { return r.replaceRemoteLocked(ev.Relay, ev.Peers) })
	case presenceSynced:
		for name := range rel.rooms {
			if _, covered := rel.syncing[name]; !covered {
				p.update(ev.Relay, rel, name, func(r *room) int { return r.replaceRemoteLocked(ev.Relay, nil) })
			}
		}
		clear(rel.syncing)
		rel.version = ev.V
	}
}

// askLocked asks a relay for its whole state, at most once per interval.
func (p *presence) askLocked(id string, rel *remoteRelay) {
	if time.Since(rel.asked) < p.b.interval {
		return
	}
	rel.asked = time.Now()
	p.publish(presenceEvent{Kind: presenceSync, To: id})
}

// dropRelayLocked removes every member of a relay that is gone.
func (p *presence) dropRelayLocked(id string, rel *remoteRelay) {
	for name := range rel.rooms {
		p.update(id, rel, name, func(r *room) int { return r.replaceRemoteLocked(id, nil) })
	}
	delete(p.relays, id)
}

// update applies change to the room name (created when needed) under its
// lock, keeps rel.rooms current and counts the deliveries.
func (p *presence) update(relay string, rel *remoteRelay, name string, change func(r *room) int) {
	if name == "" {
		return
	}
	h := p.b.rooms
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	r := h.byName[name]
	if r == nil {
		r = p.b.newRoomLocked(name)
	}
	r.mu.Lock()
	h.mu.Unlock()
	delivered := change(r)
	if r.hasRemoteLocked(relay) {
		rel.rooms[name] = struct{}{}
	} else {
		delete(rel.rooms, name)
	}
	h.unlock(r)
	h.metrics.deliveries.Add(float64(delivered))
}

// peersLocked appends every member of r, here and on other relays, in join
// order (by each relay's clock) to dst.
func (r *room) peersLocked(dst []wire.Peer) []wire.Peer {
	type joined struct {
		at   int64
		peer wire.Peer
	}
	all := make([]joined, 0, len(r.members)+len(r.remote))
	for _, m := range r.members {
		all = append(all, joined{r.joinedAt[m], m.peer()})
	}
	for _, rp := range r.remote {
		all = append(all, joined{rp.at, rp.peer})
	}
	slices.SortStableFunc(all, func(a, b joined) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	for _, j := range all {
		dst = append(dst, j.peer)
	}
	return dst
}

// hasRemoteLocked reports whether relay has members in r.
func (r *room) hasRemoteLocked(relay string) bool {
	for _, rp := range r.remote {
		if rp.relay == relay {
			return true
		}
	}
	return false
}

// upsertRemoteLocked adds a member of another relay and announces it, or
// announces its changed metadata when it is known already.
func (r *room) upsertRemoteLocked(relay string, sp statePeer) int {
	if sp.Meta == nil {
		sp.Meta = json.RawMessage("null")
	}
	for i := range r.remote {
		rp := &r.remote[i]
		if rp.peer.Conn != sp.Conn {
			continue
		}
		if string(rp.peer.Meta) == string(sp.Meta) {
			return 0
		}
		rp.peer.Meta = sp.Meta
		return r.fanOutLocked(mustEncode(wire.MetaChange{Type: wire.TypeMeta, Conn: sp.Conn, Meta: sp.Meta}), nil)
	}
	r.remote = append(r.remote, remotePeer{
		relay:      relay,
		at:         sp.At,
		peer:       sp.Peer,
		leaveFrame: mustEncode(wire.Leave{Type: wire.TypeLeave, Conn: sp.Conn, CID: sp.CID}),
	})
	return r.fanOutLocked(mustEncode(wire.Join{Type: wire.TypeJoin, Peer: sp.Peer}), nil)
}

// removeRemoteLocked removes a member of another relay and announces it.
func (r *room) removeRemoteLocked(relay, conn string) int {
	for i, rp := range r.remote {
		if rp.relay == relay && rp.peer.Conn == conn {
			r.remote = slices.Delete(r.remote, i, i+1)
			return r.fanOutLocked(rp.leaveFrame, nil)
		}
	}
	return 0
}

// setRemoteMetaLocked records and announces a remote member's metadata.
func (r *room) setRemoteMetaLocked(relay, conn string, meta json.RawMessage) int {
	for i := range r.remote {
		if rp := &r.remote[i]; rp.relay == relay && rp.peer.Conn == conn {
			if meta == nil {
				meta = json.RawMessage("null")
			}
			rp.peer.Meta = meta
			return r.fanOutLocked(mustEncode(wire.MetaChange{Type: wire.TypeMeta, Conn: conn, Meta: meta}), nil)
		}
	}
	return 0
}

// replaceRemoteLocked makes peers the members of relay in r, announcing
// each difference.
func (r *room) replaceRemoteLocked(relay string, peers []statePeer) (delivered int) {
	keep := make(map[string]bool, len(peers))
	for _, sp := range peers {
		keep[sp.Conn] = true
	}
	for i := 0; i < len(r.remote); {
		rp := r.remote[i]
		if rp.relay == relay && !keep[rp.peer.Conn] {
			r.remote = slices.Delete(r.remote, i, i+1)
			delivered += r.fanOutLocked(rp.leaveFrame, nil)
			continue
		}
		i++
	}
	for _, sp := range peers {
		delivered += r.upsertRemoteLocked(relay, sp)
	}
	return delivered
}
