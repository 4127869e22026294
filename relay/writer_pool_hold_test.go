package relay

import (
	"fmt"
	"testing"
	"time"
)

// heldPool is a pool whose holds last until the test ends them, and
// members of a fan-out with nothing queued (each turn is empty).
func heldPool(t *testing.T, members int) (*writerPool, []*member) {
	t.Helper()
	p := newWriterPool(DefaultWriteTimeout, newMetrics())
	p.holdFor = time.Hour
	out := &output{limit: int(DefaultMaxMessage), timeout: DefaultWriteTimeout, pool: p}
	ms := make([]*member, members)
	for i := range ms {
		m := newMember(fmt.Sprint("m", i), "", nil, 10, nil)
		m.out, m.writing = out, true // marked as a fan-out marks them
		ms[i] = m
	}
	return p, ms
}

// workersStarted is how many workers the pool has started.
func (p *writerPool) workersStarted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.all)
}

// stillWriting counts the members whose turn has not run yet.
func stillWriting(ms []*member) (n int) {
	for _, m := range ms {
		m.mu.Lock()
		if m.writing {
			n++
		}
		m.mu.Unlock()
	}
	return n
}

// TestWriterPool_BigFanOutFromIdle_IsHeld: a fan-out to a big room that
// finds the pool idle starts no turn until the hold ends, so that messages
// arriving right after it share the members' frames (writer_pool_hold.go);
// then every member is written.
func TestWriterPool_BigFanOutFromIdle_IsHeld(t *testing.T) {
	p, ms := heldPool(t, writerHoldFrom)
	p.scheduleAll(ms)
	if n := p.workersStarted(); n != 0 {
		t.Fatalf("a fan-out to %d members into an idle pool started %d workers at once, want 0 until the hold ends", len(ms), n)
	}
	p.release()
	if n := p.workersStarted(); n != 1 {
		t.Fatalf("the hold's end started %d workers, want 1", n)
	}
	p.close() // returns once the queue is empty
	if n := stillWriting(ms); n != 0 {
		t.Fatalf("%d members not written after the hold", n)
	}
}

// TestWriterPool_SmallFanOut_NotHeld: a fan-out to a small room is written
// at once: a hold is for passes long enough to be worth the wait.
func TestWriterPool_SmallFanOut_NotHeld(t *testing.T) {
	p, ms := heldPool(t, writerHoldFrom-1)
	defer p.close()
	p.scheduleAll(ms)
	if n := p.workersStarted(); n != 1 {
		t.Fatalf("a fan-out to %d members started %d workers, want 1 at once", len(ms), n)
	}
}

// TestWriterPool_CloseDuringHold_WritesWhatWasHeld: a pool closed while a
// hold lasts writes the held turns before its workers end; none is lost.
func TestWriterPool_CloseDuringHold_WritesWhatWasHeld(t *testing.T) {
	p, ms := heldPool(t, writerHoldFrom)
	p.scheduleAll(ms)
	p.close()
	if n := stillWriting(ms); n != 0 {
		t.Fatalf("%d held members not written by close", n)
	}
}
