package chat

import (
	"strconv"
	"time"
)

// Typing indicators travel as signals (issue 13's relay part: relayed to
// the room's other members, not stored, not replayed) whose data is
// typingData. A lost or late signal costs nothing worse than a line that
// shows a little too long or too short, so nothing is acknowledged: the
// sender repeats itself while typing, and readers forget a typist they stop
// hearing from.
const (
	// TypingInterval: while a person types, their client says so at most
	// this often.
	TypingInterval = 3 * time.Second
	// TypingTimeout: a typist not heard from for this long is no longer
	// shown. Twice the interval, so that one lost signal does not make the
	// line flicker.
	TypingTimeout = 2 * TypingInterval
)

// typingData is the data of a typing signal: {"typing":true} while typing,
// {"typing":false} when the draft was emptied without sending.
type typingData struct {
	Typing bool `json:"typing"`
}

// typingSender decides when this client says it is typing.
type typingSender struct {
	_ noCompare

	clock Clock
	// saidAt is when "typing" was last said; zero when the last word was
	// that I stopped (or a send, which readers take as stopping).
	saidAt time.Time
}

func newTypingSender(clock Clock) *typingSender { return &typingSender{clock: clock} }

// draftChanged is called on every change of the draft; it returns the
// signal to send now, nil for none.
func (s *typingSender) draftChanged(draft string) *typingData {
	now := s.clock.Now()
	if draft == "" {
		if s.saidAt.IsZero() || now.Sub(s.saidAt) >= TypingTimeout {
			s.saidAt = time.Time{}
			return nil // readers have forgotten already
		}
		s.saidAt = time.Time{}
		return &typingData{Typing: false}
	}
	if !s.saidAt.IsZero() && now.Sub(s.saidAt) < TypingInterval {
		return nil
	}
	s.saidAt = now
	return &typingData{Typing: true}
}

// sent is called when the draft was sent: readers clear me when my message
// arrives, and my next keystroke says "typing" again at once.
func (s *typingSender) sent() { s.saidAt = time.Time{} }

// typists is who is typing in a room, as a reader sees it. Typists are
// people, by cid: two tabs of one person typing show once.
type typists struct {
	clock Clock
	by    map[string]typist
}

type typist struct {
	_ noCompare

	nick  string
	since time.Time // when they started: the first typist is named first
	until time.Time // when they are forgotten unless heard from again
}

func newTypists(clock Clock) *typists { return &typists{clock: clock, by: map[string]typist{}} }

// signal applies a typing signal from cid, shown as nick (from presence).
func (t *typists) signal(cid, nick string, d typingData) {
	if !d.Typing {
		delete(t.by, cid)
		return
	}
	now := t.clock.Now()
	old, ok := t.by[cid]
	since := now
	if ok && now.Before(old.until) {
		since = old.since
	}
	t.by[cid] = typist{nick: nick, since: since, until: now.Add(TypingTimeout)}
}

// posted clears cid: their message arrived, so they are no longer typing it.
func (t *typists) posted(cid string) { delete(t.by, cid) }

// text is the typing line: "" when nobody types, "Ada is typing…", "Ada
// and Bob are typing…", "3 people are typing…". The two named are the
// first to have started (then by nick). Picked in one pass, not sorted: a
// sort instantiated for this costs the wasm more than the whole feature.
func (t *typists) text() string {
	now := t.clock.Now()
	n := 0
	var first, second *typist
	for cid, x := range t.by {
		if !now.Before(x.until) {
			delete(t.by, cid)
			continue
		}
		n++
		x := x
		switch {
		case first == nil || typedBefore(&x, first):
			first, second = &x, first
		case second == nil || typedBefore(&x, second):
			second = &x
		}
	}
	switch n {
	case 0:
		return ""
	case 1:
		return first.nick + " is typing…"
	case 2:
		return first.nick + " and " + second.nick + " are typing…"
	default:
		return strconv.Itoa(n) + " people are typing…"
	}
}

// typedBefore orders typists by when they started, then by nick.
func typedBefore(a, b *typist) bool {
	if !a.since.Equal(b.since) {
		return a.since.Before(b.since)
	}
	return a.nick < b.nick
}
