package relay

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// room is the state of one room: its members in join order, its last seq and
// its recovery window. Every field is guarded by mu; the rooms registry is
// locked before a room when both are needed. The memory broker uses members,
// lastSeq, window and expiry; the NATS broker uses members, lastSeq (the last
// seq delivered here), remote and feed, and keeps the window in JetStream.
type room struct {
	name string
	// epoch names this room's seq space: a new room (after a restart or
	// once freed) counts seq from 1 again under a new epoch.
	epoch string

	mu      sync.Mutex
	members []*member
	lastSeq uint64
	window  window
	// expiry frees the room once its window is empty, while it has no members.
	expiry *time.Timer
	freed  bool

	// remote are the room's members connected to other relays (NATS broker).
	remote []remotePeer
	// feed delivers the room's msgs from JetStream while the room has
	// members here (NATS broker).
	feed *natsFeed
	// joinedAt is when each member here joined, to merge them with remote
	// members in join order (NATS broker).
	joinedAt map[*member]int64
	// joining counts joins in progress outside the locks; guarded by the
	// registry's lock, it keeps the room registered (NATS broker).
	joining int
	// followMu serializes starting the feed (NATS broker).
	followMu sync.Mutex
	// onDrop, when set (NATS broker), announces beyond this relay that a
	// slow member was dropped by a fan-out.
	onDrop func(gone *member)
}

func newRoom(name string, historyLen int, historyAge time.Duration) *room {
	return &room{name: name, epoch: newEpoch(), window: newWindow(historyLen, historyAge)}
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
// out in turn, so one slow member never delays the others. It returns how
// many objects were queued.
func (r *room) fanOutLocked(frame []byte, except *member) (delivered int) {
	var slow []*member // allocated only when someone is too slow
	for _, m := range r.members {
		if m == except {
			continue
		}
		if m.offer(frame) {
			delivered++
		} else {
			slow = append(slow, m)
		}
	}
	for i := 0; i < len(slow); i++ {
		gone := slow[i]
		if !r.dropLocked(gone, endSlowConsumer, dropSlowConsumer) {
			continue // already dropped by an earlier leave in this cascade
		}
		for _, m := range r.members {
			if m.offer(gone.leaveFrame) {
				delivered++
			} else {
				slow = append(slow, m)
			}
		}
	}
	return delivered
}

// offerLocked queues frame for m alone; when m's queue is full m is dropped
// like any slow member and its leave fanned out. It returns how many
// objects were queued.
func (r *room) offerLocked(m *member, frame []byte) (delivered int) {
	if m.offer(frame) {
		return 1
	}
	if !r.dropLocked(m, endSlowConsumer, dropSlowConsumer) {
		return 0
	}
	return r.fanOutLocked(m.leaveFrame, nil)
}

// dropLocked takes m out of the room, ends its connection with e and tells
// other relays (onDrop); the caller announces the leave here. It reports
// whether m was still in the room.
func (r *room) dropLocked(m *member, e ending, dropReason string) bool {
	if !r.removeLocked(m) {
		return false
	}
	m.kill(e, dropReason)
	if r.onDrop != nil {
		r.onDrop(m)
	}
	return true
}

// removeLocked takes m out of the room and reports whether it was in it.
func (r *room) removeLocked(m *member) bool {
	if !m.inRoom {
		return false
	}
	for i, other := range r.members {
		if other == m {
			// Keep join order: welcome lists peers in the order they came.
			copy(r.members[i:], r.members[i+1:])
			r.members[len(r.members)-1] = nil
			r.members = r.members[:len(r.members)-1]
			break
		}
	}
	m.inRoom = false
	return true
}
