package relay

import "time"

// window is a room's recovery window: the last messages of the room, bounded
// by count and by age, with an index of their (cid, id) for deduplication.
// Its seqs are contiguous: every published message enters it and only the
// oldest ones leave. The room's lock guards it.
type window struct {
	maxLen  int
	maxAge  time.Duration
	entries []windowEntry // oldest first
	byKey   map[messageKey]uint64
}

// windowEntry is one kept message and its encoded msg object, shared with
// every delivery.
type windowEntry struct {
	seq   uint64
	at    time.Time
	key   messageKey
	frame []byte
}

// messageKey identifies a publication across reconnects: the client's stable
// id and its own message id.
type messageKey struct {
	cid, id string
}

func newWindow(maxLen int, maxAge time.Duration) window {
	return window{maxLen: maxLen, maxAge: maxAge, byKey: make(map[messageKey]uint64)}
}

// add appends a message, evicting the oldest when the window is full.
func (w *window) add(e windowEntry) {
	if len(w.entries) >= w.maxLen {
		w.evictOldest()
	}
	w.entries = append(w.entries, e)
	w.byKey[e.key] = e.seq
}

// expire evicts every message older than maxAge at now.
func (w *window) expire(now time.Time) {
	cutoff := now.Add(-w.maxAge)
	for len(w.entries) > 0 && !w.entries[0].at.After(cutoff) {
		w.evictOldest()
	}
}

func (w *window) evictOldest() {
	oldest := w.entries[0]
	if w.byKey[oldest.key] == oldest.seq {
		delete(w.byKey, oldest.key)
	}
	// Clearing the slot lets the frame be collected; append reallocates
	// from the live entries only, so memory stays about 2×maxLen entries.
	w.entries[0] = windowEntry{}
	w.entries = w.entries[1:]
}

// lookup returns the encoded msg of an earlier publication of key.
func (w *window) lookup(key messageKey) ([]byte, bool) {
	seq, ok := w.byKey[key]
	if !ok || len(w.entries) == 0 {
		return nil, false
	}
	return w.entries[seq-w.entries[0].seq].frame, true
}

// after returns the kept messages with seq > since, oldest first, and whether
// they are all the messages after since. lastSeq is the room's last seq.
// A since beyond lastSeq comes from another seq space (the relay restarted or
// the room was freed): nothing is replayed and nothing is recovered.
func (w *window) after(since, lastSeq uint64) (frames [][]byte, recovered bool) {
	if since > lastSeq {
		return nil, false
	}
	firstKept := lastSeq + 1 - uint64(len(w.entries))
	recovered = since+1 >= firstKept
	start := 0
	if since >= firstKept {
		start = int(since + 1 - firstKept)
	}
	frames = make([][]byte, 0, len(w.entries)-start)
	for _, e := range w.entries[start:] {
		frames = append(frames, e.frame)
	}
	return frames, recovered
}

// newest returns when the newest kept message was published.
func (w *window) newest() (time.Time, bool) {
	if len(w.entries) == 0 {
		return time.Time{}, false
	}
	return w.entries[len(w.entries)-1].at, true
}

func (w *window) len() int { return len(w.entries) }
