package relay

import (
	"sync/atomic"
	"time"
)

// writerWatch is the one timer of a running writer. It ends the member when
// a write takes longer than WriteTimeout, and tells the writer to stop once
// it has waited writerLinger without work.
//
// Per-write timers cost more than the write they guard at low load, where
// every message is a frame of its own: a context, a time.AfterFunc and
// coder/websocket's context.AfterFunc per frame were a tenth of the relay's
// CPU (BENCHMARKS.md, latency against load). Here the writer only stores
// when a write starts and ends, and when it starts and stops waiting (an
// atomic store each); the timer checks those. It fires at least every
// min(WriteTimeout, writerLinger) while the writer runs, and exactly at the
// deadline it is set for, so a stuck write is still caught WriteTimeout
// after it started and an idle writer still stops after writerLinger.
type writerWatch struct {
	timeout time.Duration // WriteTimeout: the longest one write may take
	linger  time.Duration // writerLinger: the longest the writer waits for work
	// period is the longest the timer is ever set for: a write or a wait
	// that starts after the timer was set ends later than the timer fires.
	period    time.Duration
	onTimeout func()          // ends the member (and closes the connection)
	wake      chan<- struct{} // the writer's wake channel

	// writing and waiting are when the write in progress and the wait for
	// work began (monotonic ns since watchEpoch, never 0), 0 when none.
	writing atomic.Int64
	waiting atomic.Int64
	// retire tells the writer that it has waited linger: it stops unless
	// work came meanwhile.
	retire atomic.Bool
	// stopped: the writer has stopped or the member's write timed out;
	// the timer is not set again.
	stopped atomic.Bool
	timer   *time.Timer
}

// watchEpoch is the origin of writerWatch's times: monotonic, and 0 is
// left free to mean "none".
var watchEpoch = time.Now().Add(-time.Second)

func watchNow() int64 { return int64(time.Since(watchEpoch)) }

// newWriterWatch starts the watch of a writer that waits on wake.
func newWriterWatch(timeout, linger time.Duration, wake chan<- struct{}, onTimeout func()) *writerWatch {
	w := &writerWatch{timeout: timeout, linger: linger, period: min(timeout, linger), wake: wake, onTimeout: onTimeout}
	// Made far off, then set: Reset orders the assignment of w.timer before
	// check reads it (for the race detector as for the memory model).
	w.timer = time.AfterFunc(time.Duration(1<<62), w.check)
	w.timer.Reset(w.period)
	return w
}

// startWrite and endWrite bracket one write.
func (w *writerWatch) startWrite() { w.writing.Store(watchNow()) }
func (w *writerWatch) endWrite()   { w.writing.Store(0) }

// startWait and endWait bracket the writer's wait for work.
func (w *writerWatch) startWait() { w.waiting.Store(watchNow()) }
func (w *writerWatch) endWait()   { w.waiting.Store(0) }

// stop ends the watch when the writer stops.
func (w *writerWatch) stop() {
	w.stopped.Store(true)
	w.timer.Stop()
}

// check runs on the timer: it acts on a write or a wait that has lasted
// too long, or sets the timer for the earliest moment one could.
func (w *writerWatch) check() {
	if w.stopped.Load() {
		return
	}
	// now is read before the states: a state read later began before now.
	now := watchNow()
	next := now + int64(w.period)
	if started := w.writing.Load(); started != 0 {
		deadline := started + int64(w.timeout)
		if now >= deadline {
			w.stopped.Store(true)
			w.onTimeout()
			return
		}
		next = min(next, deadline)
	}
	if since := w.waiting.Load(); since != 0 {
		deadline := since + int64(w.linger)
		if now >= deadline {
			w.retire.Store(true)
			select {
			case w.wake <- struct{}{}:
			default: // already woken
			}
		} else {
			next = min(next, deadline)
		}
	}
	w.timer.Reset(time.Duration(next - now))
}
