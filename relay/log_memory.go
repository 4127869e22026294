package relay

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// memoryLogs keeps every room's log in this process's memory: the relay
// alone assigns seq, keeps the recovery window and deduplicates. It is the
// default, a single binary with no dependency, and the fastest path: an
// append delivers to the room's members before it returns.
//
// A log outlives the hub room that follows it: a room whose members all
// left keeps its window (and its epoch) until the window empties, by age
// or eviction, so that clients coming back recover. Memory is bounded per
// room (History, RoomHistoryBytes, HistoryAge) and in sum (HistoryBytes):
// when the sum is over, evict frees the oldest messages of the least
// recently active rooms, rooms nobody follows first.
type memoryLogs struct {
	historyLen   int
	roomBytes    int
	historyAge   time.Duration
	historyBytes int64
	metrics      *metrics
	held         *roomCounter
	// now is the clock of the windows' age; tests set it.
	now func() time.Time
	// onFree, when set (by tests), is called after a log is freed.
	onFree func(name string)

	// bytes is the sum of every window's bytes.
	bytes atomic.Int64
	// evicting lets one goroutine at a time bring bytes back under budget.
	evicting sync.Mutex

	mu     sync.Mutex
	byName map[string]*memoryLog
	closed bool
}

var _ logStore = (*memoryLogs)(nil)

// memoryLog is one room's log. Its fields are guarded by mu, taken after
// memoryLogs.mu and before the following room's lock.
type memoryLog struct {
	store *memoryLogs
	name  string
	epoch string
	// active is when the log last took a message (Unix ns): eviction
	// starts with the least recently active logs.
	active atomic.Int64

	mu       sync.Mutex
	lastSeq  uint64
	window   window
	follower *memoryFollower
	// expiry frees the log once its window is empty, while nobody follows it.
	expiry *time.Timer
	freed  bool
}

// memoryFollower is one hub room's handle on a log.
type memoryFollower struct {
	log  *memoryLog
	sink logSink
}

var _ roomLog = (*memoryFollower)(nil)

// open follows the room's log, creating it (with a new epoch) when the
// room is new or was freed.
func (s *memoryLogs) open(name string, sink logSink) (roomLog, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.byName[name]
	if l == nil {
		l = &memoryLog{store: s, name: name, epoch: newEpoch(),
			window: newWindow(s.historyLen, s.roomBytes, s.historyAge)}
		l.active.Store(s.now().UnixNano())
		s.byName[name] = l
	} else if l.follower == nil {
		s.held.add(-1) // counted by the hub's room from now on
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.expiry != nil {
		l.expiry.Stop()
		l.expiry = nil
	}
	f := &memoryFollower{log: l, sink: sink}
	l.follower = f
	sink.reset(l.lastSeq, l.epoch)
	return f, nil
}

// has reports whether the store holds name's log.
func (s *memoryLogs) has(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.byName[name]
	return ok
}

// append assigns the next seq to p and delivers it to the sink, unless
// (cid, id) is still in the window: then the original is returned.
func (f *memoryFollower) append(p publication) appendResult {
	l := f.log
	s := l.store
	l.mu.Lock()
	if l.follower != f {
		l.mu.Unlock()
		return appendResult{status: appendFailed}
	}
	now := s.now()
	before := l.window.bytes
	l.window.expire(now)
	if original, seq, ok := l.window.lookup(p.key()); ok {
		l.mu.Unlock()
		s.bytes.Add(int64(l.window.bytes - before))
		return appendResult{status: appendDuplicate, seq: seq, frame: original}
	}
	l.lastSeq++
	frame := appendMsg(make([]byte, 0, msgSize(p.conn, p.cid, p.idJSON, p.data)),
		l.lastSeq, now.UnixMilli(), p.conn, p.cid, p.idJSON, p.data)
	evicted := l.window.add(windowEntry{seq: l.lastSeq, at: now, key: p.key(), frame: frame})
	l.active.Store(now.UnixNano())
	f.sink.deliver(l.lastSeq, frame)
	delta := l.window.bytes - before
	l.mu.Unlock()

	if evicted > 0 {
		s.metrics.historyEvictions.Add(float64(evicted))
	}
	if s.bytes.Add(int64(delta)) > s.historyBytes {
		s.evict()
	}
	s.metrics.historyBytes.Set(float64(s.bytes.Load()))
	return appendResult{status: appendStored}
}

// since returns the kept msgs in (since, upTo].
func (f *memoryFollower) since(since, upTo uint64) ([][]byte, bool, error) {
	l := f.log
	l.mu.Lock()
	defer l.mu.Unlock()
	before := l.window.bytes
	l.window.expire(l.store.now())
	l.store.bytes.Add(int64(l.window.bytes - before))
	frames, recovered := l.window.after(since, upTo, l.lastSeq)
	return frames, recovered, nil
}

// release stops following; the log stays for its window.
func (f *memoryFollower) release() {
	l := f.log
	s := l.store
	s.mu.Lock()
	defer s.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.follower != f {
		return
	}
	l.follower = nil
	if !l.freed {
		s.held.add(1) // the hub's room is gone: the log holds the room now
	}
	s.releaseIfIdleLocked(l)
}

// releaseIfIdleLocked frees l if nobody follows it and its window is
// empty, or arms a timer to check again when the newest kept message
// expires. Called with s.mu and l.mu held.
func (s *memoryLogs) releaseIfIdleLocked(l *memoryLog) {
	if l.freed || l.follower != nil || s.closed {
		return
	}
	now := s.now()
	before := l.window.bytes
	l.window.expire(now)
	s.bytes.Add(int64(l.window.bytes - before))
	newest, ok := l.window.newest()
	if !ok {
		s.freeLocked(l)
		return
	}
	if l.expiry == nil {
		var timer *time.Timer
		timer = time.AfterFunc(newest.Add(s.historyAge).Sub(now), func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.expiry == timer {
				l.expiry = nil
			}
			s.releaseIfIdleLocked(l)
		})
		l.expiry = timer
	}
}

// freeLocked forgets l. Called with s.mu and l.mu held, l followed by nobody.
func (s *memoryLogs) freeLocked(l *memoryLog) {
	l.freed = true
	if l.expiry != nil {
		l.expiry.Stop()
		l.expiry = nil
	}
	s.bytes.Add(-int64(l.window.bytes))
	l.window = window{}
	delete(s.byName, l.name)
	s.held.add(-1)
	s.metrics.historyBytes.Set(float64(s.bytes.Load()))
	if s.onFree != nil {
		s.onFree(l.name)
	}
}

// historyLowWater is the fraction of HistoryBytes evict brings the sum
// down to, so that a relay at its budget sorts its rooms once per
// HistoryBytes/16 published, not once per message.
const historyLowWater = 15.0 / 16

// evict brings the sum of the windows under the budget: oldest messages
// first, from rooms nobody follows, then from the least recently active
// rooms. One goroutine evicts at a time; the others go on publishing.
func (s *memoryLogs) evict() {
	if !s.evicting.TryLock() {
		return
	}
	defer s.evicting.Unlock()
	target := int64(float64(s.historyBytes) * historyLowWater)

	s.mu.Lock()
	defer s.mu.Unlock()
	type candidate struct {
		log      *memoryLog
		followed bool
		active   int64
	}
	candidates := make([]candidate, 0, len(s.byName))
	for _, l := range s.byName {
		l.mu.Lock()
		if l.window.len() > 0 {
			candidates = append(candidates, candidate{l, l.follower != nil, l.active.Load()})
		}
		l.mu.Unlock()
	}
	slices.SortFunc(candidates, func(a, b candidate) int {
		if a.followed != b.followed {
			if a.followed {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.active, b.active)
	})
	evicted := 0
	for _, c := range candidates {
		if s.bytes.Load() <= target {
			break
		}
		l := c.log
		l.mu.Lock()
		for l.window.len() > 0 && s.bytes.Load() > target {
			s.bytes.Add(-int64(l.window.evictOldest()))
			evicted++
		}
		if l.window.len() == 0 && l.follower == nil {
			s.freeLocked(l)
		}
		l.mu.Unlock()
	}
	s.metrics.historyEvictions.Add(float64(evicted))
	s.metrics.historyBytes.Set(float64(s.bytes.Load()))
}

// start does nothing: memory logs have no background work.
func (s *memoryLogs) start() {}

// ready is always true: appending never leaves the process.
func (s *memoryLogs) ready() bool { return true }

// close stops every expiry timer; the store frees nothing afterwards.
func (s *memoryLogs) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, l := range s.byName {
		l.mu.Lock()
		if l.expiry != nil {
			l.expiry.Stop()
			l.expiry = nil
		}
		l.mu.Unlock()
	}
}
