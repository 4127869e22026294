package relay

import (
	"bytes"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// A room past the presence limit (-presence-limit) is a crowd: announcing
// every join, leave and meta to every member costs N² frames while it
// fills (10 000 joins, 50 million frames), enough to overflow the queue of
// members who keep up with every msg. So past the limit the room stops
// announcing each change and, at most once per presenceCoalesce, sends
// every member one presence frame: the member count, and the changes to
// the list of the first PresenceLimit members in join order. The list is
// what a member holds: welcome's peers, then each presence frame applied
// in order. Below the limit the list is the whole room and nothing differs
// from chat.v1 without the extension.
//
// Every member holds the same list, the one sent at the last flush: a
// joiner's welcome carries it too (not the live list), so that one delta
// per flush is right for everyone. A room stays a crowd until a flush finds
// it back within the limit; then the list is the whole room again, as
// every member holds it, and each change is announced as before.

// presenceCoalesce is the most often a crowd's members get presence.
const presenceCoalesce = time.Second

// crowd is a room's coalesced presence. Guarded by the room's lock.
type crowd struct {
	// listed is the list as of the last flush: what every member holds.
	// Replaced, never changed, so that a welcome may share it.
	listed []wire.Peer
	// flush is the timer of the next flush, nil when nothing changed.
	flush *time.Timer
}

// crowdedLocked reports whether one more member would take r past the
// presence limit, and makes r a crowd if so: call it before adding a
// member, so that the list starts as every member knows it.
func (r *room) crowdedLocked() bool {
	if r.crowd != nil {
		return true
	}
	limit := r.hub.presenceLimit
	if limit < 0 || len(r.members)+len(r.elsewhere) < limit {
		return false
	}
	r.crowd = &crowd{listed: r.peersLocked(nil)}
	return true
}

// announceLocked tells the room about a change of its members: frame to
// every member but except, or, in a crowd, in the next flush. It returns
// how many objects were queued.
func (r *room) announceLocked(frame []byte, except *sub) int {
	if r.crowd != nil {
		r.changedLocked()
		return 0
	}
	return r.fanOutLocked(frame, except)
}

// changedLocked schedules a flush of the crowd unless one is due.
func (r *room) changedLocked() {
	if r.crowd.flush == nil {
		r.crowd.flush = time.AfterFunc(r.hub.presenceEvery, r.flushCrowd)
	}
}

// flushCrowd sends every member the count and the changes to the list
// since the last flush, and ends the crowd if the room is back within the
// limit. A presence frame never drops a member (offerPresence).
func (r *room) flushCrowd() {
	r.mu.Lock()
	c := r.crowd
	if c == nil {
		r.mu.Unlock()
		return
	}
	c.flush = nil
	limit := r.hub.presenceLimit
	total := len(r.members) + len(r.elsewhere)
	listed := r.listLocked(limit)
	frame := mustEncode(presenceDelta(c.listed, listed, total))
	c.listed = listed
	if total <= limit {
		r.crowd = nil
	}
	out := newOutFrame(frame, r.name)
	for _, s := range r.members {
		s.offerPresence(out, &r.wake)
	}
	r.wake.flush()
	delivered := len(r.members)
	r.mu.Unlock()
	r.hub.metrics.deliveries.Add(float64(delivered))
}

// listLocked returns the first limit members of r in join order.
func (r *room) listLocked(limit int) []wire.Peer {
	if len(r.elsewhere) == 0 {
		n := min(limit, len(r.members))
		list := make([]wire.Peer, n)
		for i, s := range r.members[:n] {
			list[i] = s.peer()
		}
		return list
	}
	all := r.peersLocked(make([]wire.Peer, 0, len(r.members)+len(r.elsewhere)))
	return all[:min(limit, len(all)):min(limit, len(all))]
}

// presenceDelta is the presence frame that takes a member holding before
// to after: peers added or whose meta changed, and conns gone.
func presenceDelta(before, after []wire.Peer, total int) wire.Presence {
	p := wire.Presence{Type: wire.TypePresence, Count: total}
	held := make(map[string]wire.Peer, len(before))
	for _, b := range before {
		held[b.Conn] = b
	}
	for _, a := range after {
		b, ok := held[a.Conn]
		if !ok || !bytes.Equal(b.Meta, a.Meta) {
			p.Peers = append(p.Peers, a)
		}
		delete(held, a.Conn)
	}
	for _, b := range before { // in list order, not the map's
		if _, gone := held[b.Conn]; gone {
			p.Gone = append(p.Gone, b.Conn)
		}
	}
	return p
}
