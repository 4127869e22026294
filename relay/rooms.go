package relay

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// rooms is the registry of the rooms of one relay process and the four
// operations a connection performs on a room: join, publish, setMeta, leave.
// These four are the seam where a broker spanning several relays (NATS) will
// later plug in; for now every room lives in this process's memory.
type rooms struct {
	historyLen int
	historyAge time.Duration
	pingMS     int64
	maxMessage int64
	metrics    *metrics
	now        func() time.Time
	// onFree, when set (by tests), is called after a room is freed.
	onFree func(name string)

	mu     sync.Mutex
	byName map[string]*room
	closed bool
}

// joinRequest is what a connecting client asked for.
type joinRequest struct {
	room     string
	since    uint64
	hasSince bool
	// epoch is the seq epoch since belongs to, "" when the client sent none.
	epoch string
}

// join adds m to its room, creating the room when needed, prepares m's
// welcome and replay in m.initial and returns the room. The snapshot of the window and the
// registration happen under the room's lock, atomically with respect to
// publishes, so the member receives every message exactly once.
func (h *rooms) join(m *member, req joinRequest) *room {
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

	welcome := wire.Welcome{
		Type:       wire.TypeWelcome,
		Conn:       m.id,
		Room:       req.room,
		Seq:        r.lastSeq,
		Peers:      make([]wire.Peer, 0, len(r.members)),
		PingMS:     h.pingMS,
		MaxMessage: h.maxMessage,
		Epoch:      r.epoch,
	}
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
func (h *rooms) publish(m *member, r *room, id string, data json.RawMessage) {
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
		delivered := 0
		if m.offer(original) {
			delivered = 1
		} else {
			r.removeLocked(m)
			m.kill(endSlowConsumer, dropSlowConsumer)
			delivered = r.fanOutLocked(m.leaveFrame, nil)
		}
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
func (h *rooms) setMeta(m *member, r *room, meta json.RawMessage) {
	frame := mustEncode(wire.MetaChange{Type: wire.TypeMeta, Conn: m.id, Meta: meta})
	r.mu.Lock()
	if !m.inRoom {
		r.mu.Unlock()
		return
	}
	m.meta = meta
	delivered := r.fanOutLocked(frame, nil)
	h.unlock(r)
	h.metrics.deliveries.Add(float64(delivered))
}

// leave takes m out of its room, if still there, and announces it.
func (h *rooms) leave(m *member, r *room) {
	r.mu.Lock()
	delivered := 0
	if r.removeLocked(m) {
		delivered = r.fanOutLocked(m.leaveFrame, nil)
	}
	h.unlock(r)
	h.metrics.deliveries.Add(float64(delivered))
}

// unlock releases r and, when r has no members left, frees it or schedules
// its freeing for when its window expires.
func (h *rooms) unlock(r *room) {
	empty := len(r.members) == 0 && !r.freed
	r.mu.Unlock()
	if empty {
		h.releaseIfIdle(r)
	}
}

// releaseIfIdle frees r if it has no members and its window is empty, or
// arms a timer to check again when the newest kept message expires.
func (h *rooms) releaseIfIdle(r *room) {
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
				h.releaseIfIdle(r)
			})
			r.expiry = timer
		}
		return
	}
	r.freed = true
	delete(h.byName, r.name)
	h.metrics.rooms.Set(float64(len(h.byName)))
	if h.onFree != nil {
		h.onFree(r.name)
	}
}

// close stops every expiry timer; the registry frees nothing afterwards.
func (h *rooms) close() {
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
