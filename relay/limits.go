package relay

import (
	"time"

	"golang.org/x/time/rate"
)

// Abuse thresholds. A refused frame costs the connection a strike; strikes
// come back slowly, and a connection that runs out of strikes is closed with
// 1008. Token buckets make "sustained" precise: bursts of mistakes are
// forgiven, a steady stream of them is not.
const (
	// rateStrikes refused pub/meta frames are tolerated at once; one is
	// forgiven every rateStrikeForgiveness. A client that keeps sending
	// faster than Rate is closed within about rateStrikes refusals.
	rateStrikes           = 10
	rateStrikeForgiveness = time.Second
	// badFrameStrikes undecodable frames are tolerated at once; one is
	// forgiven every badFrameForgiveness (so 10 a minute, sustained).
	badFrameStrikes     = 10
	badFrameForgiveness = 6 * time.Second
)

// frameLimits meters what one connection sends. Only its reader uses it.
// Each limiter is made on first use: most connections are idle and most
// never earn a strike, and a relay holds tens of thousands of them.
type frameLimits struct {
	perSecond       float64
	burst           int
	signalPerSecond float64
	signalBurst     int

	fanOut      *rate.Limiter // pub, meta, sub and unsub frames: each fans out to a room
	signals     *rate.Limiter // signal frames, apart: typing must not cost a pub its turn
	rateStrikes *rate.Limiter
	badStrikes  *rate.Limiter
}

func newFrameLimits(cfg Config) frameLimits {
	return frameLimits{perSecond: cfg.Rate, burst: cfg.Burst, signalPerSecond: cfg.SignalRate, signalBurst: cfg.SignalBurst}
}

// allowSignal reports whether a signal frame is within the signal rate.
func (l *frameLimits) allowSignal() bool {
	if l.signals == nil {
		l.signals = rate.NewLimiter(rate.Limit(l.signalPerSecond), l.signalBurst)
	}
	return l.signals.Allow()
}

// allowFanOut reports whether a pub, meta, sub or unsub frame is within the rate.
func (l *frameLimits) allowFanOut() bool {
	if l.fanOut == nil {
		l.fanOut = rate.NewLimiter(rate.Limit(l.perSecond), l.burst)
	}
	return l.fanOut.Allow()
}

// rateStrike counts a refusal for rate and reports whether the connection
// has strikes left.
func (l *frameLimits) rateStrike() bool {
	if l.rateStrikes == nil {
		l.rateStrikes = rate.NewLimiter(rate.Every(rateStrikeForgiveness), rateStrikes)
	}
	return l.rateStrikes.Allow()
}

// badStrike counts a bad frame and reports whether the connection has
// strikes left.
func (l *frameLimits) badStrike() bool {
	if l.badStrikes == nil {
		l.badStrikes = rate.NewLimiter(rate.Every(badFrameForgiveness), badFrameStrikes)
	}
	return l.badStrikes.Allow()
}
