package chat

import "time"

// Read receipts ("seen by N") travel as signals, like typing (typing.go):
// relayed to the room's other members, not stored, not replayed. That is
// enough because a receipt only ever repeats state its sender keeps: a
// client says how far it read whenever its mark moves, again whenever
// someone joins (the newcomer missed the earlier ones) and after each of its
// own welcomes. A lost signal costs a "seen by" that is low until the next
// one; a reader who is gone keeps counting for what they read.
//
// The data is readData: the seq of the newest message read and the seq
// epoch it counts in (PROTOCOL.md, "Extension: seq epoch"), since a seq
// alone means nothing after a relay restart.

// ReadSignalInterval: a client says how far it read at most this often; the
// latest mark wins.
const ReadSignalInterval = 2 * time.Second

// maxReaders bounds how many people's receipts a client keeps for one
// epoch: "seen by" is a count, and a room where more have read is
// shown as that many.
const maxReaders = 1000

// readData is the data of a read signal: {"read":{"seq":N,"epoch":"E"}}.
type readData struct {
	_ noCompare

	Read readPoint `json:"read"`
}

// readPoint is "read up to the message with seq Seq of epoch Epoch".
type readPoint struct {
	Seq   uint64 `json:"seq"`
	Epoch string `json:"epoch"`
}

// readers is how far each other person read, as a client hears it: per
// person (a cid; a verified key in a private room) the highest seq in the
// current epoch, with the seqs also kept sorted for seenBy.
type readers struct {
	epoch string
	by    map[string]uint64
	seqs  []uint64 // the values of by, ascending
}

// reset forgets every receipt: epoch is a new seq space, in which the old
// seqs name other messages.
func (r *readers) reset(epoch string) {
	r.epoch, r.by, r.seqs = epoch, nil, nil
}

// read notes that person read up to seq; it reports whether that is news
// (further than they read before).
func (r *readers) read(person string, seq uint64) bool {
	old, known := r.by[person]
	if seq <= old || (!known && len(r.by) >= maxReaders) {
		return false
	}
	if r.by == nil {
		r.by = map[string]uint64{}
	}
	r.by[person] = seq
	if known {
		i := r.search(old)
		r.seqs = append(r.seqs[:i], r.seqs[i+1:]...)
	}
	i := r.search(seq)
	r.seqs = append(r.seqs, 0)
	copy(r.seqs[i+1:], r.seqs[i:])
	r.seqs[i] = seq
	return true
}

// seenBy is how many people read up to seq or further.
func (r *readers) seenBy(seq uint64) int { return len(r.seqs) - r.search(seq) }

// search is the index of the first of seqs not below seq. By hand rather
// than with a generic sort or search: each instantiation costs the wasm.
func (r *readers) search(seq uint64) int {
	lo, hi := 0, len(r.seqs)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if r.seqs[mid] < seq {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}
