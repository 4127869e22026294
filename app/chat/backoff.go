package chat

import "time"

// backoffDelay is the wait before reconnect attempt number attempt (0 for
// the first retry): full jitter, rand*min(cap, base*2^attempt), so that a
// relay restart does not see every client come back at the same instant.
func backoffDelay(attempt int, rnd func() float64) time.Duration {
	bound := DefaultBackoffCap
	if attempt < 32 { // beyond this the shift overflows; the cap applies anyway
		if b := DefaultBackoffBase << attempt; b > 0 && b < DefaultBackoffCap {
			bound = b
		}
	}
	r := rnd()
	if r < 0 || r >= 1 {
		r = 0
	}
	return time.Duration(r * float64(bound))
}
