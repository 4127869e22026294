package relay

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Bounds of the handshake table, which an attacker with many addresses
// would otherwise grow without limit.
//
// An entry whose bucket is full again is exactly what a new entry would be,
// so dropping it changes nobody's limit: the table is swept of full buckets
// whenever it has doubled since the last sweep (amortized O(1) per
// handshake), at most once per handshakeSweepInterval (so that a table held
// full by an attack does not turn every handshake into a sweep). A bucket is
// full at most burst/rate after its last handshake (2.5s with the defaults),
// so the table holds the addresses of the last few seconds. If it still
// holds maxHandshakeAddrs entries after a sweep, handshakes from new
// addresses get 429 until entries age out: memory stays bounded (175 bytes
// an entry measured, 11.5 MB when full) at the price of shedding new visitors during
// a flood from that many addresses, which MaxConns would shed anyway.
const (
	maxHandshakeAddrs      = 1 << 16
	minHandshakeSweep      = 1 << 10
	handshakeSweepInterval = time.Second
)

// addressLimits applies the per-address limits: handshakes per second and
// simultaneous connections, each keyed by addressKey.
//
// The connection table needs no eviction: an entry lives exactly as long as
// the address has a WebSocket open, so it never holds more entries than
// there are connections (at most MaxConns).
type addressLimits struct {
	maxConns  int        // <= 0: unlimited
	rate      rate.Limit // <= 0: unlimited
	burst     int
	now       func() time.Time
	onRelease func() // tests: called after a connection slot is released

	mu         sync.Mutex
	conns      map[netip.Prefix]int
	handshakes map[netip.Prefix]*rate.Limiter
	sweepAt    int       // sweep once handshakes holds this many entries
	nextSweep  time.Time // and not before this
}

func newAddressLimits(cfg Config) *addressLimits {
	return &addressLimits{
		maxConns:   cfg.MaxConnsPerIP,
		rate:       rate.Limit(cfg.HandshakesPerIP),
		burst:      cfg.HandshakeBurst,
		now:        time.Now,
		conns:      make(map[netip.Prefix]int),
		handshakes: make(map[netip.Prefix]*rate.Limiter),
		sweepAt:    minHandshakeSweep,
	}
}

// allowHandshake spends one handshake of key's bucket, or reports false
// when the bucket (or the table) is exhausted.
func (l *addressLimits) allowHandshake(key netip.Prefix) bool {
	if l.rate <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	lim := l.handshakes[key]
	if lim == nil {
		if len(l.handshakes) >= l.sweepAt && !now.Before(l.nextSweep) {
			l.sweepLocked(now)
		}
		if len(l.handshakes) >= maxHandshakeAddrs {
			return false
		}
		lim = rate.NewLimiter(l.rate, l.burst)
		l.handshakes[key] = lim
	}
	return lim.AllowN(now, 1)
}

// sweepLocked drops the entries whose bucket is full: they limit nothing.
func (l *addressLimits) sweepLocked(now time.Time) {
	for key, lim := range l.handshakes {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.handshakes, key)
		}
	}
	l.sweepAt = min(max(minHandshakeSweep, 2*len(l.handshakes)), maxHandshakeAddrs)
	l.nextSweep = now.Add(handshakeSweepInterval)
}

// hasConnRoom reports whether key may open one more connection now: the
// diagnosis's snapshot, which reserves nothing.
func (l *addressLimits) hasConnRoom(key netip.Prefix) bool {
	if l.maxConns <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conns[key] < l.maxConns
}

// reserveConn takes one of key's connection slots. It returns the function
// that gives the slot back, safe to call more than once (only the first
// call counts), or ok false when key holds maxConns already.
func (l *addressLimits) reserveConn(key netip.Prefix) (release func(), ok bool) {
	if l.maxConns <= 0 {
		return func() {}, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conns[key] >= l.maxConns {
		return nil, false
	}
	l.conns[key]++
	return sync.OnceFunc(func() { l.releaseConn(key) }), true
}

func (l *addressLimits) releaseConn(key netip.Prefix) {
	l.mu.Lock()
	if l.conns[key]--; l.conns[key] <= 0 {
		delete(l.conns, key)
	}
	l.mu.Unlock()
	if l.onRelease != nil {
		l.onRelease()
	}
}

// tracked returns how many addresses hold connections and how many have a
// handshake bucket: what the tables cost.
func (l *addressLimits) tracked() (connAddrs, handshakeAddrs int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns), len(l.handshakes)
}
