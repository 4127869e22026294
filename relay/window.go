package relay

import "time"

// window is a room's recovery window in memory: the last messages of the
// room, bounded by count, by bytes and by age, with an index of their
// (cid, id) for deduplication. Its seqs are contiguous: every published
// message enters it and only the oldest ones leave. The log's lock guards it.
type window struct {
	maxLen   int
	maxBytes int
	maxAge   time.Duration
	entries  []windowEntry // oldest first
	byKey    map[messageKey]uint64
	bytes    int // sum of entrySize over entries
}

// windowEntry is one kept message and its encoded msg object, shared with
// every delivery.
type windowEntry struct {
	seq   uint64
	at    time.Time
	key   messageKey
	frame []byte
}

// windowEntryOverhead approximates what a kept message costs besides its
// frame and key: the entry itself, its slot in byKey and the strings'
// headers. It keeps a window of tiny messages honest about its size.
const windowEntryOverhead = 128

// size is what e counts against -room-history-bytes and -history-bytes.
func (e *windowEntry) size() int {
	return len(e.frame) + len(e.key.cid) + len(e.key.id) + windowEntryOverhead
}

// messageKey identifies a publication across reconnects: the client's stable
// id and its own message id.
type messageKey struct {
	cid, id string
}

func newWindow(maxLen, maxBytes int, maxAge time.Duration) window {
	return window{maxLen: maxLen, maxBytes: maxBytes, maxAge: maxAge, byKey: make(map[messageKey]uint64)}
}

// add appends a message, evicting the oldest while the window is over its
// count or its bytes, and returns how many left for lack of bytes. The
// newest message always stays, even alone over maxBytes.
func (w *window) add(e windowEntry) (evictedForBytes int) {
	if len(w.entries) >= w.maxLen {
		w.evictOldest()
	}
	size := e.size()
	for len(w.entries) > 0 && w.bytes+size > w.maxBytes {
		w.evictOldest()
		evictedForBytes++
	}
	w.entries = append(w.entries, e)
	w.byKey[e.key] = e.seq
	w.bytes += size
	return evictedForBytes
}

// expire evicts every message older than maxAge at now.
func (w *window) expire(now time.Time) {
	cutoff := now.Add(-w.maxAge)
	for len(w.entries) > 0 && !w.entries[0].at.After(cutoff) {
		w.evictOldest()
	}
}

// evictOldest evicts the oldest message and returns its size.
func (w *window) evictOldest() int {
	oldest := w.entries[0]
	if w.byKey[oldest.key] == oldest.seq {
		delete(w.byKey, oldest.key)
	}
	size := oldest.size()
	w.bytes -= size
	// Clearing the slot lets the frame be collected; append reallocates
	// from the live entries only, so memory stays about 2×maxLen entries.
	w.entries[0] = windowEntry{}
	w.entries = w.entries[1:]
	if len(w.entries) == 0 {
		w.entries = nil // drop the backing array of a window emptied by eviction
	}
	return size
}

// lookup returns the encoded msg of an earlier publication of key.
func (w *window) lookup(key messageKey) ([]byte, uint64, bool) {
	seq, ok := w.byKey[key]
	if !ok || len(w.entries) == 0 {
		return nil, 0, false
	}
	return w.entries[seq-w.entries[0].seq].frame, seq, true
}

// after returns the kept messages with since < seq <= upTo, oldest first,
// and whether they are all the messages of that range. lastSeq is the
// room's last seq. A since beyond upTo comes from another seq space (the
// relay restarted or the room was freed): nothing is replayed and nothing
// is recovered.
func (w *window) after(since, upTo, lastSeq uint64) (frames [][]byte, recovered bool) {
	upTo = min(upTo, lastSeq)
	if since > upTo {
		return nil, false
	}
	firstKept := lastSeq + 1 - uint64(len(w.entries))
	recovered = since+1 >= firstKept
	start := 0
	if since >= firstKept {
		start = int(since + 1 - firstKept)
	}
	end := len(w.entries) - int(lastSeq-upTo)
	if end < start {
		end = start
	}
	frames = make([][]byte, 0, end-start)
	for _, e := range w.entries[start:end] {
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
