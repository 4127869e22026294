package relay

import "time"

// Holding a big room's fan-out for a moment when the pool is idle, so that
// the messages that come right after it go out in the same frames.
//
// Why: a pass of a room of 1000 members is about 1000 writes, 12 ms of one
// CPU (BENCHMARKS.md, "Low load, per-frame cost"). Messages that arrive
// during that pass queue behind it for the members not yet written, but a
// member already written needs a frame of its own for them, at the end of
// the pass: more writes, and on the reader's side more reads. Messages
// often come in bunches (several people answer at once; relay-bench's
// publishers share one schedule), and when the pass starts on the first
// message of a bunch, the others, read a few hundred µs later, each cost
// up to another 1000 writes. Worse, on a machine the relay shares, its
// writes take the CPUs from whoever is still about to send, so the rest
// of the bunch comes later still (BENCHMARKS.md, "Low load, the tail").
//
// So a fan-out to writerHoldFrom members or more that finds the pool idle
// (nothing queued, no turn running) starts its turns writerHoldFor later.
// What arrives meanwhile joins the members' queues, and each member gets
// one frame for all of it. The cost is that delay on the first message of
// such a bunch, small next to the pass itself. The pool is held only from
// idle: once a pass runs, later messages batch behind it anyway, and a
// busy relay (high load, closed loop) is never held. Members of small
// rooms that queue during a hold wait for it too, at most writerHoldFor.
const (
	writerHoldFrom = 256
	writerHoldFor  = time.Millisecond
)

// holdLocked starts a hold for a fan-out to n members when the pool is
// idle and n is big enough.
func (p *writerPool) holdLocked(n int) {
	if n < p.holdFrom || p.holdFor <= 0 || p.holding || p.closed {
		return
	}
	if p.head != len(p.queue) || p.active != len(p.idle) { // work waits or a turn runs
		return
	}
	p.holding = true
	p.hold.Reset(p.holdFor)
}

// release ends a hold (the pool's hold timer): the held turns start.
func (p *writerPool) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.holding {
		return
	}
	p.holding = false
	p.wakeLocked(poolNow())
}
