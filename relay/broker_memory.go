package relay

import (
	"encoding/json"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// memoryBroker keeps every room in this process's memory: the relay alone
// assigns seq, keeps the recovery window and knows the presence. It is the
// default, a single binary with no dependency, and the fastest path: no
// operation leaves the process.
type memoryBroker struct {
	rooms *rooms
}

var _ broker = (*memoryBroker)(nil)

// join prepares m's welcome and replay in m.initial. The snapshot of the
// window and the registration happen under the room's lock, atomically with
// respect to publishes, so the member receives every message exactly once.
func (b *memoryBroker) join(m *member, req joinRequest) *room {
	h := b.rooms
	joinFrame := mustEncode(wire.Join{Type: wire.TypeJoin, Peer: wire.Peer{Conn: m.id, CID: m.cid, Name: m.name}})

	h.mu.Lock()
	r := h.byName[req.room]
	if r == nil {
		r = newRoom(req.room, h.historyLen, h.historyAge)
		h.byName[req.room] = r
		h.metrics.rooms.Set(float64(len(h.byName)))
	}
	r.mu.Lock()
	h.mu.Unlock()

	if r.expiry != nil {
		r.expiry.Stop()
		r.expiry = nil
	}
	r.window.expire(h.now())

	welcome := h.newWelcome(m, req.room, r)
	for _, other := range r.members {
		welcome.Peers = append(welcome.Peers, other.peer())
	}
	var replay [][]byte
	switch {
	case req.hasSince && req.epoch != "" && req.epoch != r.epoch:
		// since counts in another seq space: everything kept is new to the
		// client, and what the old space published after since is lost.
		replay, _ = r.window.after(0, r.lastSeq)
	case req.hasSince:
		replay, welcome.Recovered = r.window.after(req.since, r.lastSeq)
	}
	m.initial = append(make([][]byte, 0, 1+len(replay)), mustEncode(welcome))
	m.initial = append(m.initial, replay...)

	r.members = append(r.members, m)
	m.inRoom = true
	delivered := len(m.initial) + r.fanOutLocked(joinFrame, m)
	h.unlock(r)
	h.metrics.deliveries.Add(float64(delivered))
	return r
}

// publish assigns the next seq to a pub from m and delivers it to every
// member, m included. A pub whose (cid, id) is still in the window is not
// published again: its original msg is re-sent to m only.
func (b *memoryBroker) publish(m *member, r *room, id string, data json.RawMessage) {
	h := b.rooms
	idJSON := encodeString(id)
	key := messageKey{cid: m.cid, id: id}

	r.mu.Lock()
	if !m.inRoom {
		r.mu.Unlock()
		return
	}
	now := h.now()
	r.window.expire(now)
	if original, ok := r.window.lookup(key); ok {
		delivered := r.offerLocked(m, original)
		h.unlock(r)
		h.metrics.deliveries.Add(float64(delivered))
		return
	}
	r.lastSeq++
	frame := appendMsg(make([]byte, 0, msgSize(m.id, m.cid, idJSON, data)),
		r.lastSeq, now.UnixMilli(), m.id, m.cid, idJSON, data)
	r.window.add(windowEntry{seq: r.lastSeq, at: now, key: key, frame: frame})
	delivered := r.fanOutLocked(frame, nil)
	h.unlock(r)

	h.metrics.messagesIn.Inc()
	h.metrics.deliveries.Add(float64(delivered))
}

// setMeta records m's presence metadata and announces it to every member,
// m included (its confirmation).
func (b *memoryBroker) setMeta(m *member, r *room, meta json.RawMessage) {
	b.rooms.setMetaHere(m, r, meta, nil)
}

// leave takes m out of its room, if still there, and announces it.
func (b *memoryBroker) leave(m *member, r *room) { b.rooms.leaveHere(m, r, nil) }

// start does nothing: the memory broker has no background work.
func (b *memoryBroker) start() {}

// ready is always true: publishing never leaves the process.
func (b *memoryBroker) ready() bool { return true }

// close stops every expiry timer; the registry frees nothing afterwards.
func (b *memoryBroker) close() {
	h := b.rooms
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, r := range h.byName {
		r.mu.Lock()
		if r.expiry != nil {
			r.expiry.Stop()
			r.expiry = nil
		}
		r.mu.Unlock()
	}
}

// releaseIfIdle frees r if it has no members and its window is empty, or
// arms a timer to check again when the newest kept message expires.
func (b *memoryBroker) releaseIfIdle(r *room) {
	h := b.rooms
	h.mu.Lock()
	defer h.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.freed || len(r.members) > 0 || h.closed {
		return
	}
	now := h.now()
	r.window.expire(now)
	newest, ok := r.window.newest()
	if ok {
		if r.expiry == nil {
			var timer *time.Timer
			timer = time.AfterFunc(newest.Add(h.historyAge).Sub(now), func() {
				r.mu.Lock()
				if r.expiry == timer {
					r.expiry = nil
				}
				r.mu.Unlock()
				b.releaseIfIdle(r)
			})
			r.expiry = timer
		}
		return
	}
	h.freeLocked(r)
}
