package relay

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// writerPool writes every member's queued frames with a few goroutines
// shared by all members, instead of one writer goroutine per member.
//
// Why: in a big room every message gives every member something to write at
// the same moment. With a goroutine each, 10 000 stacks (4 KB and up) exist
// at the peak of every fan-out, and the runtime keeps that stack memory
// after they end: a third of a 10 000-member room's RSS (BENCHMARKS.md, big
// rooms). A pool of a few dozen workers per CPU writes the same frames, in
// the same order per member, with a few hundred stacks at most.
//
// How many workers run at once: at most about one per CPU but one that is
// making progress (wakeLocked). A write to a socket with room returns at
// once, so more runnable workers than CPUs write no faster; they only queue
// up in the Go scheduler, in front of the goroutines that read the
// publishers' frames, whose messages then wait (BENCHMARKS.md, "Low load,
// where the wait was"). Even one per CPU left no P for those readers during
// a fan-out. The Go scheduler polls the network when a P runs out of work;
// with every P busy, only sysmon polled it (every 10 ms or more), and the threads
// that took Ps over from long write syscalls, which raw socket I/O
// (socket_raw.go) no longer makes. Messages that arrived meanwhile were
// read late, and every member already written got them in a frame of
// their own. With a P left free, its thread waits in the netpoller and
// reads them at once, while the first message's frames are still queued
// (BENCHMARKS.md, "Low load, per-frame cost"). A worker whose turn has
// lasted blockedAfter is taken to be blocked in its write (or off the CPU)
// and no longer counts, so the pool still writes for others while peers do
// not read.
//
// A member is in the pool's queue at most once (member.writing), so its
// frames are written by one worker at a time, in order. A worker writes one
// batch of a member (everything it had queued) and puts the member back at
// the tail if more came meanwhile: a busy member cannot hold a worker, and
// what queues while others are served goes out as one bigger batch.
//
// A write can block for up to WriteTimeout on a peer that does not read.
// Fan-out never waits for such a peer: while work waits, the pool checks
// every stallAfter for workers stuck in one write that long and starts a
// worker in place of each. A stuck worker leaves the pool when its write
// ends. So the pool holds size workers plus one per stuck write, never more
// goroutines than the goroutine-per-member design it replaces, and everyone
// else's frames wait at most about stallAfter behind a stuck peer.
//
// Lock order: a member's mu before the pool's mu (schedule is called with
// the member's lock released, turn takes them one after the other).
type writerPool struct {
	size         int           // workers that take work, not counting stuck ones
	eager        int           // workers making progress that the pool wakes work for
	blockedAfter time.Duration // a turn this long no longer counts as making progress
	backlogAfter time.Duration // the oldest queued member waiting this long grows the pool by the backlog rule
	stallAfter   time.Duration // a turn this long makes its worker stuck
	idleAfter    time.Duration // a worker without work this long ends
	writeTimeout time.Duration // a turn this long ends its member (WriteTimeout)

	mu      sync.Mutex
	queue   []*member     // members with frames to write, oldest first, from head
	queued  []int64       // when (poolNow) each member in queue was queued, same indexes
	head    int           // index of the oldest in queue
	all     []*poolWorker // every running worker, stuck ones included
	active  int           // running workers not marked stuck
	idle    []*poolWorker // workers waiting for work, most recent last
	watched bool          // the watch is armed
	watch   *time.Timer
	closed  bool           // close was called: workers end once the queue is empty
	running sync.WaitGroup // one per worker goroutine

	workers prometheus.Gauge   // relay_writers: len(all)
	stalls  prometheus.Counter // relay_writer_stalls_total
}

// poolWorker is one goroutine of a writerPool.
type poolWorker struct {
	wake chan struct{} // capacity 1: work for this idle worker
	// busySince is when (poolNow) the worker began its current member's
	// turn, 0 between turns; turnOf is that member. Read by the watch.
	busySince atomic.Int64
	turnOf    atomic.Pointer[member]
	stuck     bool // under the pool's mu: another worker was started in its place
	timedOut  bool // under the pool's mu: its turn's member was ended for it
}

// poolEpoch is the origin of poolNow: monotonic, and 0 stays free to mean
// "not in a turn".
var poolEpoch = time.Now().Add(-time.Second)

func poolNow() int64 { return int64(time.Since(poolEpoch)) }

// Pool sizing.
//
// A write to a peer whose socket buffer is full parks its worker in the
// netpoller until the peer reads, and a parked worker writes for no one
// else. With 4 workers per CPU, 1000 members under a closed-loop load (16
// messages in flight) got 60–70 % of the deliveries/s of a writer per
// member; with 64 per CPU, the same within the noise (BENCHMARKS.md, big
// rooms). 128 stacks are still nothing next to 10 000.
//
// Go's scheduler shares the CPUs among runnable goroutines, not among kinds
// of work. In a restart storm thousands of handshakes run at once, and a
// pool of 8 got 8 shares of thousands: welcomes came later than clients
// waited for them, they dialed again, and the storm did not end (579 of
// 10 000 back after 120 s). So the pool also grows with its backlog, a
// worker per writerBacklog members waiting: a share of the CPUs in
// proportion to the work, at a 16th of the stacks of a goroutine each. It
// applies once the oldest member queued has waited writerBacklogAfter:
// a fan-out that queues a whole room at once is not a backlog, and
// waking a worker per 16 of its members put dozens of runnable workers in
// front of the publishers' readers (see eager above).
const (
	writersPerCPU      = 64
	writerBacklog      = 16
	writerBacklogAfter = 50 * time.Millisecond
	writerBlockedAfter = time.Millisecond
	writerStallAfter   = 5 * time.Millisecond
	writerIdleTimeout  = 500 * time.Millisecond
	// writerYieldAfter is how long a worker writes turn after turn before
	// it lets other goroutines run (work).
	writerYieldAfter = 100 * time.Microsecond
)

// newWriterPool returns a pool whose turns may last writeTimeout, counted
// in m.
func newWriterPool(writeTimeout time.Duration, m *metrics) *writerPool {
	p := &writerPool{
		size:         writersPerCPU * runtime.GOMAXPROCS(0),
		eager:        max(1, runtime.GOMAXPROCS(0)-1),
		blockedAfter: writerBlockedAfter,
		backlogAfter: writerBacklogAfter,
		stallAfter:   writerStallAfter,
		idleAfter:    writerIdleTimeout,
		writeTimeout: writeTimeout,
		workers:      m.writers,
		stalls:       m.writerStalls,
	}
	p.watch = time.AfterFunc(time.Hour, p.check)
	p.watch.Stop()
	return p
}

// schedule queues m's turn to write. The caller has marked m as writing
// (wakeWriterLocked), so m is queued once.
func (p *writerPool) schedule(m *member) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := poolNow()
	p.queue = append(p.queue, m)
	p.queued = append(p.queued, now)
	p.wakeLocked(now)
}

// scheduleAll queues the turns of members a fan-out marked as writing:
// one lock and a few wakes for the whole room, where a schedule per
// member took the pool's lock once each against the workers taking it
// too, and the fan-out, holding the room's lock, waited behind them.
func (p *writerPool) scheduleAll(ms []*member) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := poolNow()
	p.queue = append(p.queue, ms...)
	for range ms {
		p.queued = append(p.queued, now)
	}
	p.wakeLocked(now)
}

// wakeLocked gives queued work to workers: it wakes (or starts) workers
// until eager of them make progress, counting neither idle workers nor
// those whose turn has lasted blockedAfter, and one more per
// writerBacklog members waiting once the oldest has waited backlogAfter.
// While work waits the watch stays armed, to look again.
func (p *writerPool) wakeLocked(now int64) {
	waiting := len(p.queue) - p.head
	if waiting == 0 {
		return
	}
	p.armLocked()
	want := min(p.eager, waiting)
	if now-p.queued[p.head] >= int64(p.backlogAfter) {
		want = max(want, waiting/writerBacklog)
	}
	moving := p.active - len(p.idle)
	if moving >= want {
		moving -= p.blockedLocked(now)
	}
	for ; moving < want; moving++ {
		switch {
		case len(p.idle) > 0:
			w := p.idle[len(p.idle)-1]
			p.idle = p.idle[:len(p.idle)-1]
			w.wake <- struct{}{}
		case p.active < p.size:
			p.startLocked()
		default:
			return
		}
	}
}

// blockedLocked counts the workers, not stuck, whose turn has lasted
// blockedAfter.
func (p *writerPool) blockedLocked(now int64) (n int) {
	for _, w := range p.all {
		if since := w.busySince.Load(); since != 0 && !w.stuck && now-since >= int64(p.blockedAfter) {
			n++
		}
	}
	return n
}

func (p *writerPool) startLocked() {
	w := &poolWorker{wake: make(chan struct{}, 1)}
	p.all = append(p.all, w)
	p.workers.Inc()
	p.active++
	p.running.Add(1)
	go p.work(w)
}

// armLocked arms the watch: while a turn runs or work waits.
func (p *writerPool) armLocked() {
	if !p.watched {
		p.watched = true
		p.watch.Reset(p.stallAfter)
	}
}

// check is the pool's watch, every stallAfter while a turn runs or work
// waits. It ends the member of a turn that has lasted writeTimeout (one
// timer for the pool, instead of a context and a timer per write), and,
// while work waits, starts a worker in place of every worker stuck in one
// turn for stallAfter or longer.
func (p *writerPool) check() {
	var late []*member
	p.mu.Lock()
	p.watched = false
	now := poolNow()
	busy, waiting := false, p.head < len(p.queue)
	for _, w := range p.all {
		since := w.busySince.Load()
		if since == 0 {
			continue
		}
		busy = true
		took := time.Duration(now - since)
		if took >= p.writeTimeout && !w.timedOut {
			if m := w.turnOf.Load(); m != nil {
				w.timedOut = true
				late = append(late, m)
			}
		}
		if waiting && !w.stuck && took >= p.stallAfter {
			w.stuck = true
			p.active--
			p.stalls.Inc()
		}
	}
	if waiting {
		p.wakeLocked(now)
	}
	if busy || waiting {
		p.armLocked()
	}
	p.mu.Unlock()
	// Outside the pool's lock: kill takes the member's (lock order).
	for _, m := range late {
		m.writeTimedOut()
	}
}

// work is a worker's loop: take a member, write its turn, until no work
// comes for idleAfter or the worker was found stuck.
func (p *writerPool) work(w *poolWorker) {
	defer p.running.Done()
	idle := time.NewTimer(p.idleAfter)
	defer idle.Stop()
	lastYield := poolNow()
	for {
		m := p.next(w, idle)
		if m == nil {
			return
		}
		m.turn(p)
		w.turnOf.Store(nil)
		w.busySince.Store(0)
		// A worker that finds turn after turn without blocking keeps its
		// CPU until the runtime preempts it (10 ms), and what became
		// runnable meanwhile waits: the publishers' readers, whose
		// messages are the next fan-out. Yielding lets them run first. A
		// yield after every turn was 4 % of the relay's CPU at low load,
		// where a turn is one small write; once writerYieldAfter of turns
		// bounds the wait as well.
		if now := poolNow(); now-lastYield >= int64(writerYieldAfter) {
			runtime.Gosched()
			lastYield = poolNow()
		}
	}
}

// next returns the oldest member waiting, and marks the worker as in its
// turn; it waits for one as long as idleAfter. nil means the worker ends:
// no work came, the pool is closed, or the watch started another worker in
// place of this one, which was stuck.
func (p *writerPool) next(w *poolWorker, idle *time.Timer) *member {
	for {
		p.mu.Lock()
		if w.stuck {
			p.removeLocked(w)
			p.mu.Unlock()
			return nil
		}
		w.timedOut = false
		if p.head < len(p.queue) {
			m := p.queue[p.head]
			w.turnOf.Store(m)
			w.busySince.Store(poolNow())
			p.armLocked()
			p.queue[p.head] = nil
			p.head++
			switch {
			case p.head == len(p.queue): // drained: reuse the arrays from the start
				p.queue, p.queued, p.head = p.queue[:0], p.queued[:0], 0
			case p.head >= 1024 && 2*p.head >= len(p.queue):
				// Never drained under sustained load: move the waiting
				// members down, or the arrays would only grow.
				n := copy(p.queue, p.queue[p.head:])
				copy(p.queued, p.queued[p.head:])
				clear(p.queue[n:])
				p.queue, p.queued, p.head = p.queue[:n], p.queued[:n], 0
			}
			p.mu.Unlock()
			return m
		}
		if p.closed {
			p.removeLocked(w)
			p.mu.Unlock()
			return nil
		}
		p.idle = append(p.idle, w)
		p.mu.Unlock()

		idle.Reset(p.idleAfter)
		select {
		case <-w.wake:
			continue
		case <-idle.C:
		}
		p.mu.Lock()
		if i := indexOf(p.idle, w); i >= 0 {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			p.removeLocked(w)
			p.mu.Unlock()
			return nil
		}
		// schedule chose this worker as the timer fired: take its work.
		p.mu.Unlock()
		<-w.wake
	}
}

func (p *writerPool) removeLocked(w *poolWorker) {
	if i := indexOf(p.all, w); i >= 0 {
		p.all = append(p.all[:i], p.all[i+1:]...)
		p.workers.Dec()
	}
	if !w.stuck { // a stuck worker stopped counting when it was replaced
		p.active--
	}
	if len(p.queue) == 0 && cap(p.queue) > 1024 { // give back a burst's arrays
		p.queue, p.queued, p.head = nil, nil, 0
	}
}

// close ends the pool's workers once the queue is empty and waits for
// them (Shutdown, after every member has ended): a stopped relay leaves no
// goroutine behind.
func (p *writerPool) close() {
	p.mu.Lock()
	p.closed = true
	for _, w := range p.idle {
		w.wake <- struct{}{}
	}
	p.idle = nil
	p.watch.Stop()
	p.mu.Unlock()
	p.running.Wait()
}

func indexOf(ws []*poolWorker, w *poolWorker) int {
	for i, x := range ws {
		if x == w {
			return i
		}
	}
	return -1
}
