package chat

import "time"

// A room's replay often takes more than one frame: the relay packs at most
// max_message bytes per frame (64 KiB, about 300 short messages), so a
// 500-message window comes as the welcome with the older part, then the
// rest. Between them the page must not draw: in the browser the second
// frame is only read once the drawing of the first is done, so the person
// would wait for two draws, the first of them without the newest lines.
// So while a replay is arriving the Client applies each frame but tells
// the UI nothing, and signals once, when the welcome's seq is reached (or
// after DefaultReplayHold, should the replay stop short of it).
//
// A replay is written to the Store DefaultPersistDelay after it is in, not
// at once: the write (hundreds of messages encoded, read back and merged)
// would come before the draw. Flush still writes it when the page goes.
//
// The hold covers everything the connection changes: the relay's frames
// and the answers a shared connection makes up (the probe's
// already_subscribed, shared_conn.go) alike. What the person does (Send,
// SetNick) still shows at once.

// DefaultReplayHold bounds how long a replay may keep the View unchanged:
// at worst a replay that never reaches the welcome's seq (a log that failed
// on the relay) shows what came after this long.
const DefaultReplayHold = 300 * time.Millisecond

// holdReplayLocked starts the hold after the welcome when its seq is past
// what this client has: a replay of (lastSeq, seq] follows.
func (c *Client) holdReplayLocked(s *session, seq uint64) {
	if seq <= c.lastSeq {
		return
	}
	s.replayTo = seq
	c.reserveLocked(int(min(seq-c.lastSeq, MaxHistory)))
	s.stopHold = c.clock.AfterFunc(DefaultReplayHold, func() {
		c.mu.Lock()
		held := !s.ended && s.replayTo != 0
		s.replayTo = 0
		if held {
			c.persistHistoryAfterLocked(DefaultPersistDelay)
		}
		c.mu.Unlock()
		if held {
			c.signal()
		}
	})
}

// replayHeldLocked reports whether s is still receiving its replay, and
// ends the hold once the welcome's seq is reached (ended: just now).
func (c *Client) replayHeldLocked(s *session) (held, ended bool) {
	if s.replayTo == 0 {
		return false, false
	}
	if c.lastSeq < s.replayTo {
		return true, false
	}
	s.replayTo = 0
	s.stopHold()
	return false, true
}

// replaySystemLines is room for the system lines that arrive with a replay.
const replaySystemLines = 8

// reserveLocked makes room for n more messages at once: a replay into a
// room with nothing stored grew the history, the timeline and the three
// sets of message keys (c.seen and the threads') step by step, copying
// and rehashing each of them about ten times over (a seventh of taking in
// a replay in the browser). The sets are made anew only while empty: a
// copy of a set that holds keys costs app.wasm more code than it saves
// in the rarer replays into a room with a stored history.
func (c *Client) reserveLocked(n int) {
	if cap(c.history)-len(c.history) < n {
		c.history = append(make([]storedMessage, 0, len(c.history)+n), c.history...)
	}
	// The timeline also takes the few system lines that come with a
	// replay ("You joined", a gap, someone joining): one past the
	// capacity would copy the whole of it.
	if lines := n + replaySystemLines; cap(c.timeline)-len(c.timeline) < lines {
		c.timeline = append(make([]Line, 0, len(c.timeline)+lines), c.timeline...)
	}
	if len(c.seen) == 0 {
		c.seen = make(map[string]struct{}, n)
	}
	c.threads.reserve(n)
}
