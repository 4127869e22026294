package chat

// An in-memory relay that restarts counts seq from 0 again, so a since=
// from the old seq space may point anywhere in the new one. The client
// detects the switch two ways and then resynchronises by reconnecting with
// since=0 (the relay replays its whole window; dedup by (cid, id) merges it):
//
//   - welcome.seq is below our last seq: the relay has fewer messages than
//     we have seen;
//   - otherwise the resume overlaps by one message: we ask for
//     since=lastSeq-1, so the relay replays the message we hold as lastSeq
//     first. A different (cid, id) under that seq means a new seq space
//     that happens to be as long as the old one.

// resume is how one connection picks up the room.
type resume struct {
	since    uint64 // sent as since=
	lastSeq  uint64 // our last seq when dialing
	checkKey string // key of our message with seq lastSeq; "" when unknown (no overlap asked)
}

func (c *Client) resumeLocked() resume {
	r := resume{since: c.lastSeq, lastSeq: c.lastSeq}
	if c.lastSeq == 0 {
		return r
	}
	for i := len(c.history) - 1; i >= 0; i-- {
		if c.history[i].Seq == c.lastSeq {
			r.checkKey = c.history[i].key()
			r.since = c.lastSeq - 1
			break
		}
	}
	return r
}

// seqSpaceChangedAtWelcome reports a relay that restarted and already holds
// messages we have not seen. One that holds none is simply adopted.
func (c *Client) seqSpaceChangedAtWelcome(s *session, welcomeSeq uint64) (resync bool) {
	if welcomeSeq >= s.resume.lastSeq {
		return false
	}
	c.lastSeq = welcomeSeq
	c.markHistoryDirty()
	return welcomeSeq > 0
}

// seqSpaceChangedAtReplay checks the overlap message, the first msg after
// the welcome.
func (c *Client) seqSpaceChangedAtReplay(s *session, seq uint64, key string) (resync bool) {
	if s.overlapChecked || s.resume.checkKey == "" {
		return false
	}
	s.overlapChecked = true
	return seq == s.resume.lastSeq && key != s.resume.checkKey
}

// resyncLocked ends the session so that Run reconnects at once with since=0.
func (c *Client) resyncLocked(s *session) {
	s.resync = true
	c.lastSeq = 0
	c.markHistoryDirty()
	s.kill()
}
