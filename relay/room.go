package relay

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// room is the state of one room: its members in join order, its last seq and
// its recovery window. Every field is guarded by mu; the rooms registry is
// locked before a room when both are needed.
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
		if !r.removeLocked(gone) {
			continue // already dropped by an earlier leave in this cascade
		}
		gone.kill(endSlowConsumer, dropSlowConsumer)
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
