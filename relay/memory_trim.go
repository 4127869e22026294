package relay

import (
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// memoryTrimmer returns memory to the OS after a burst of connections.
//
// A handshake allocates far more than the connection it leaves behind
// (net/http's request state and 4 KB buffers, TLS, the upgrade), and a burst
// of them — a restart storm, a room filling — grows the heap the garbage
// collector works towards. Go returns freed pages only gradually, so a relay
// that took 15 000 connections at once holds about 2.5 KB per connection of
// freed memory long after the burst (BENCHMARKS.md, idle). Once handshakes
// pause, nothing is lost by a full collection that hands those pages back.
// The timer re-arms on every handshake of the burst, so a steady stream of
// connections never triggers a trim; it costs one collection per calm.
type memoryTrimmer struct {
	after time.Duration // pause that ends a burst; <= 0: never trim
	burst int64         // connections since the last trim that make a burst
	trims prometheus.Counter

	accepted atomic.Int64 // connections since the last trim

	mu      sync.Mutex
	timer   *time.Timer // armed once a burst is under way
	stopped bool
}

func newMemoryTrimmer(after time.Duration, burst int, trims prometheus.Counter) *memoryTrimmer {
	return &memoryTrimmer{after: after, burst: int64(burst), trims: trims}
}

// accept counts one accepted connection and, once the burst is large enough,
// (re)arms the trim for when handshakes pause.
func (t *memoryTrimmer) accept() {
	if t.after <= 0 || t.accepted.Add(1) < t.burst {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.stopped:
	case t.timer == nil:
		t.timer = time.AfterFunc(t.after, t.trim)
	default:
		t.timer.Reset(t.after)
	}
}

func (t *memoryTrimmer) trim() {
	t.accepted.Store(0)
	debug.FreeOSMemory()
	t.trims.Inc()
}

// stop cancels a pending trim (Shutdown).
func (t *memoryTrimmer) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	if t.timer != nil {
		t.timer.Stop()
	}
}
