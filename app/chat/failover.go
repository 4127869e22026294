package chat

// failover picks the relay each connection attempt dials. Relays that share
// a broker (NATS) serve the same rooms in the same seq space, so a client
// whose relay died resumes on the next one with since= and misses nothing.
//
// The policy: after DefaultFailoverAttempts consecutive failed attempts on
// one relay (a dial error, or a connection lost before the welcome) the next
// attempt goes to the next relay, round robin. A welcome proves the relay
// works and resets the count, so one dropped connection (a train tunnel) does
// not move the person to another relay. The backoff schedule is not reset by
// a move: when the network itself is down, every relay fails, and the delays
// must keep growing. Refusals that are final (401, 403, 400) stop the retry
// loop as with a single relay and move nothing.
type failover struct {
	relays   []string
	current  int // index into relays of the next attempt's relay
	failures int // consecutive failed attempts on relays[current]
}

func newFailover(relays []string) *failover {
	return &failover{relays: relays}
}

// relay is the URL the next attempt dials ("" with no relay configured).
func (f *failover) relay() string {
	if len(f.relays) == 0 {
		return ""
	}
	return f.relays[f.current]
}

// failed counts one failed attempt on the current relay and reports whether
// the next attempt moves to another relay.
func (f *failover) failed() (moved bool) {
	f.failures++
	if f.failures < DefaultFailoverAttempts || len(f.relays) < 2 {
		return false
	}
	f.failures = 0
	f.current = (f.current + 1) % len(f.relays)
	return true
}

// welcomed resets the count: the current relay works.
func (f *failover) welcomed() { f.failures = 0 }
