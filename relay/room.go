package relay

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sync"

	"github.com/chatpwa/chat/relay/wire"
)

// room is the hub's state of one room: its members here in join order,
// its members on other relays, and its position in the log it follows.
// Every field is guarded by mu (see the lock order next to hub), but
// joining, guarded by the hub's lock.
type room struct {
	name string
	hub  *hub

	mu sync.Mutex
	// members are the subs of members here, in join order.
	members []*sub
	// elsewhere are the room's members connected to other relays, as
	// presence reports them.
	elsewhere []remotePeer
	// epoch names the seq space of the log; lastSeq is the last seq
	// delivered here (welcome.seq).
	epoch   string
	lastSeq uint64
	// log is the room's log while the room has members here, and feed
	// the sink it delivers to; a late delivery of a released log finds
	// another feed and is ignored.
	log  roomLog
	feed *roomFeed
	// freed: the hub forgot the room; a new one takes its name.
	freed bool
	// crowd is the coalesced presence of a room past the presence limit
	// (room_crowd.go); nil below it.
	crowd *crowd
	// wake gathers a fan-out's members for the writer pool (wake.go).
	wake wakeList

	// joining counts joins in progress outside the locks; it keeps the
	// room registered and its log followed. Guarded by the hub's lock.
	joining int
	// openMu serializes opening the log.
	openMu sync.Mutex
}

// newEpoch returns a random 64-bit seq epoch in hex. Being random rather
// than a counter, it differs across relay restarts and across relays.
func newEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// fanOutLocked offers frame to every member but except, without blocking.
// A member whose queue is full is dropped with 1013 and its leave is fanned
// out in turn (in a crowd, flushed later), so one slow member never delays
// the others. It returns how many objects were queued.
func (r *room) fanOutLocked(frame []byte, except *sub) (delivered int) {
	out := newOutFrame(frame, r.name)
	defer r.wake.flush()
	var slow []*sub // allocated only when someone is too slow
	for _, s := range r.members {
		if s == except {
			continue
		}
		if s.offer(out, &r.wake) {
			delivered++
		} else {
			slow = append(slow, s)
		}
	}
	for i := 0; i < len(slow); i++ {
		gone := slow[i]
		if !r.dropLocked(gone, endSlowConsumer, dropSlowConsumer) {
			continue // already dropped by an earlier leave in this cascade
		}
		if r.crowd != nil {
			r.changedLocked()
			continue
		}
		leave := newOutFrame(gone.m.leaveFrame(), r.name)
		for _, s := range r.members {
			if s.offer(leave, &r.wake) {
				delivered++
			} else {
				slow = append(slow, s)
			}
		}
	}
	return delivered
}

// offerLocked queues frame for s alone; when its member's queue is full the
// member is dropped like any slow member and its leave fanned out. It
// returns how many objects were queued.
func (r *room) offerLocked(s *sub, frame []byte) (delivered int) {
	if s.offer(newOutFrame(frame, r.name), nil) {
		return 1
	}
	if !r.dropLocked(s, endSlowConsumer, dropSlowConsumer) {
		return 0
	}
	return r.announceLocked(s.m.leaveFrame(), nil)
}

// dropLocked takes s out of the room, ends its member's connection with e
// and tells other relays; the caller announces the leave here. It reports
// whether s was still in the room. The member's session still calls
// hub.leave for each of its subs, which settles their rooms.
//
// A member in other rooms leaves them at once too, not when its connection
// is closed (a write stuck on a dead peer takes up to -write-timeout): on
// another goroutine, since no room's lock is taken under another's.
func (r *room) dropLocked(s *sub, e ending, dropReason string) bool {
	if !r.removeLocked(s) {
		return false
	}
	s.m.kill(e, dropReason)
	r.hub.presence.leave(r.name, s.m.id)
	if s.m.multi.Load() {
		go r.hub.leaveAll(s.m)
	}
	return true
}

// dropAllLocked ends every member here with e: what they hold no longer
// continues the room's log.
func (r *room) dropAllLocked(e ending) {
	for len(r.members) > 0 {
		r.dropLocked(r.members[0], e, "")
	}
}

// removeLocked takes s out of the room and reports whether it was in it.
func (r *room) removeLocked(s *sub) bool {
	if !s.inRoom {
		return false
	}
	for i, other := range r.members {
		if other == s {
			// Keep join order: welcome lists peers in the order they came.
			copy(r.members[i:], r.members[i+1:])
			r.members[len(r.members)-1] = nil
			r.members = r.members[:len(r.members)-1]
			break
		}
	}
	s.inRoom = false
	s.held = nil
	r.hub.metrics.subscriptions.Dec()
	return true
}

// roomFeed is the logSink of one opening of a room's log.
type roomFeed struct{ r *room }

var _ logSink = (*roomFeed)(nil)

// reset moves the room to the log's position. Members here hold msgs of
// the position they joined at: if any, they are closed with 1013 and
// resync with since=, which reports what was lost (recovered:false).
func (f *roomFeed) reset(last uint64, epoch string) {
	r := f.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.feed != f {
		return
	}
	if len(r.members) > 0 {
		r.hub.log.Warn("room log reset; members resync", "room", r.name,
			"epoch", r.epoch, "new_epoch", epoch, "last_delivered", r.lastSeq, "last", last, "members", len(r.members))
		r.dropAllLocked(endMissedMessages)
	}
	r.lastSeq, r.epoch = last, epoch
}

// deliver fans msg seq out to the members here; a nil frame (an invalid
// msg the log dropped) only moves the room past seq.
func (f *roomFeed) deliver(seq uint64, frame []byte) {
	r := f.r
	r.mu.Lock()
	if r.feed != f || seq <= r.lastSeq {
		r.mu.Unlock() // a released log, or a redelivery
		return
	}
	if seq > r.lastSeq+1 {
		// The log evicted msgs before delivering them here: the members
		// never got them, and silence would break exactly-once. They
		// reconnect with since=, which reports the gap (recovered:false).
		r.hub.log.Warn("log skipped evicted messages; members resync", "room", r.name,
			"last_delivered", r.lastSeq, "next", seq, "members", len(r.members))
		r.lastSeq = seq
		r.dropAllLocked(endMissedMessages)
		r.mu.Unlock()
		return
	}
	r.lastSeq = seq
	if frame == nil {
		r.mu.Unlock() // a seq the log holds nothing deliverable for
		return
	}
	delivered := r.fanOutLocked(frame, nil)
	r.mu.Unlock()
	r.hub.metrics.deliveries.Add(float64(delivered))
}

// appended answers the publisher of a pub whose append was pending: a
// duplicate gets its original unless the feed has not delivered it here
// yet (then it arrives live, once); a failure gets error unavailable.
func (f *roomFeed) appended(p publication, res appendResult) {
	s, _ := p.origin.(*sub)
	if s == nil {
		return
	}
	h := f.r.hub
	switch res.status {
	case appendDuplicate:
		r := f.r
		r.mu.Lock()
		delivered := 0
		if s.inRoom && res.seq <= r.lastSeq {
			delivered = r.offerLocked(s, res.frame)
		}
		r.mu.Unlock()
		h.metrics.deliveries.Add(float64(delivered))
	case appendFailed:
		h.refuse(s, p.id)
	}
}

// remotePeer is a member connected to another relay.
type remotePeer struct {
	relay      string
	peer       peerAt
	leaveFrame []byte
}

// peersLocked appends every member of r, here and on other relays, in join
// order (by each relay's clock) to dst.
func (r *room) peersLocked(dst []wire.Peer) []wire.Peer {
	if len(r.elsewhere) == 0 {
		for _, s := range r.members {
			dst = append(dst, s.peer())
		}
		return dst
	}
	all := make([]peerAt, 0, len(r.members)+len(r.elsewhere))
	for _, s := range r.members {
		all = append(all, peerAt{Peer: s.peer(), At: s.joinedAt})
	}
	for _, rp := range r.elsewhere {
		all = append(all, rp.peer)
	}
	slices.SortStableFunc(all, func(a, b peerAt) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	for _, p := range all {
		dst = append(dst, p.Peer)
	}
	return dst
}
