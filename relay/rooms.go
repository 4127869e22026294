package relay

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// rooms is the registry of the rooms this relay process knows and the four
// operations a connection performs on a room: join, publish, setMeta,
// leave. The operations are carried by a broker: in memory (the default) or
// over NATS JetStream, shared with other relays (Config.NATS).
type rooms struct {
	historyLen int
	historyAge time.Duration
	pingMS     int64
	maxMessage int64
	metrics    *metrics
	now        func() time.Time
	// onFree, when set (by tests), is called after a room is freed.
	onFree func(name string)
	// broker carries the four operations; set once by newRooms' caller.
	broker broker
	// release frees an empty room, or schedules its freeing; the broker's.
	release func(r *room)

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

// join adds m to its room and prepares m's welcome and replay in m.initial.
func (h *rooms) join(m *member, req joinRequest) *room { return h.broker.join(m, req) }

// publish publishes a pub of m to r: every member, m included, receives it
// once, in seq order. A resent pub (same cid and id) is not published again.
func (h *rooms) publish(m *member, r *room, id string, data json.RawMessage) {
	h.broker.publish(m, r, id, data)
}

// setMeta records m's presence metadata and announces it to every member,
// m included (its confirmation).
func (h *rooms) setMeta(m *member, r *room, meta json.RawMessage) { h.broker.setMeta(m, r, meta) }

// leave takes m out of its room, if still there, and announces it.
func (h *rooms) leave(m *member, r *room) { h.broker.leave(m, r) }

// close stops the broker; the registry frees nothing afterwards.
func (h *rooms) close() { h.broker.close() }

// newWelcome starts m's welcome in room r, with room for r's peers. Called
// under r's lock.
func (h *rooms) newWelcome(m *member, name string, r *room) wire.Welcome {
	return wire.Welcome{
		Type:       wire.TypeWelcome,
		Conn:       m.id,
		Room:       name,
		Seq:        r.lastSeq,
		Peers:      make([]wire.Peer, 0, len(r.members)+len(r.remote)),
		PingMS:     h.pingMS,
		MaxMessage: h.maxMessage,
		Epoch:      r.epoch,
	}
}

// unlock releases r and, when r has no members left, lets the broker free
// it or schedule its freeing.
func (h *rooms) unlock(r *room) {
	empty := len(r.members) == 0 && !r.freed
	r.mu.Unlock()
	if empty {
		h.release(r)
	}
}

// freeLocked forgets r. Called with h.mu and r.mu held.
func (h *rooms) freeLocked(r *room) {
	r.freed = true
	delete(h.byName, r.name)
	h.metrics.rooms.Set(float64(len(h.byName)))
	if h.onFree != nil {
		h.onFree(r.name)
	}
}

// setMetaHere records m's presence metadata and announces it to r's members
// on this relay, m included (its confirmation); beyond, when set, announces
// it further (to other relays) under the same lock, so the order of m's
// changes is the same everywhere.
func (h *rooms) setMetaHere(m *member, r *room, meta json.RawMessage, beyond func()) {
	frame := mustEncode(wire.MetaChange{Type: wire.TypeMeta, Conn: m.id, Meta: meta})
	r.mu.Lock()
	if !m.inRoom {
		r.mu.Unlock()
		return
	}
	m.meta = meta
	delivered := r.fanOutLocked(frame, nil)
	if beyond != nil {
		beyond()
	}
	h.unlock(r)
	h.metrics.deliveries.Add(float64(delivered))
}

// leaveHere takes m out of r, if still there, and announces it to r's
// members on this relay; beyond, when set, announces it further.
func (h *rooms) leaveHere(m *member, r *room, beyond func()) {
	r.mu.Lock()
	delivered := 0
	if r.removeLocked(m) {
		delivered = r.fanOutLocked(m.leaveFrame, nil)
		if beyond != nil {
			beyond()
		}
	}
	h.unlock(r)
	h.metrics.deliveries.Add(float64(delivered))
}
