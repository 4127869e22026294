package relay

import "encoding/json"

// A room's messages live in its log, beneath the hub: the log assigns seq,
// keeps the recovery window and deduplicates resent pubs; the hub (hub.go)
// owns the members and fans out what the log delivers. Two stores
// implement it: in this process's memory (log_memory.go, the default), and
// in NATS JetStream, one stream per room shared by every relay connected to
// it (log_nats.go).
//
// A log never touches the hub's locks or its members: it speaks to the room
// through the logSink the hub handed to open, and the hub never calls a log
// while holding a lock of its own (see the lock order next to hub).

// logStore opens the logs of rooms. One per relay.
type logStore interface {
	// open returns a handle following room's log, creating the log when
	// new. Before any message the log tells sink its position
	// (sink.reset); then it delivers every message after that position to
	// sink, in seq order, until release. open may block on the network.
	open(room string, sink logSink) (roomLog, error)
	// has reports whether the store holds room in this process, followed
	// or not (for -max-rooms: an existing room is never refused).
	has(room string) bool

	// start begins the store's background work; called once, by Server.Start.
	start()
	// ready reports whether the store can append now (GET /readyz).
	ready() bool
	// close stops the store's background work; nothing is appended after.
	close()
}

// roomLog is one room's log, as followed by one hub room.
type roomLog interface {
	// append adds p to the log, unless a pub with the same cid and id is
	// still in the dedup window. A log that appends in this process
	// returns the outcome (appendStored after delivering the msg to the
	// sink, or appendDuplicate with the original); a remote log returns
	// appendPending and reports the outcome later through
	// sink.appended. appendFailed: the log cannot append now.
	append(p publication) appendResult
	// since returns the kept msgs with since < seq <= upTo, oldest first,
	// and whether they are all the msgs of that range (none was evicted).
	since(since, upTo uint64) (frames [][]byte, recovered bool, err error)
	// release stops following; the sink receives nothing afterwards. The
	// log itself stays, bounded by its limits, for rooms that come back.
	release()
}

// logSink is how a log speaks to the hub room that follows it.
type logSink interface {
	// reset says the log's seq space is epoch and its last seq is last:
	// the next message delivered is last+1. On a followed room it means
	// the log lost what members here may hold (a stream recreated): they
	// must resync.
	reset(last uint64, epoch string)
	// deliver fans out one message, called in seq order; frame is nil
	// for a seq whose message was invalid and dropped.
	deliver(seq uint64, frame []byte)
	// appended reports the outcome of an append that returned appendPending.
	appended(p publication, res appendResult)
}

// publication is one pub on its way into a log.
type publication struct {
	conn, cid, id string
	idJSON        []byte // id encoded as a JSON string
	data          json.RawMessage
	// origin is the hub's own reference to the publisher, handed back in
	// sink.appended; the log never looks at it.
	origin any
}

// key is the pub's dedup key.
func (p *publication) key() messageKey { return messageKey{cid: p.cid, id: p.id} }

// appendStatus is what became of an append.
type appendStatus uint8

const (
	appendStored    appendStatus = iota // got a new seq, delivered to the sink
	appendDuplicate                     // already in the log: frame is the original
	appendPending                       // outcome reported later through sink.appended
	appendFailed                        // the log cannot append now: refuse, the client resends
)

// appendResult is the outcome of an append.
type appendResult struct {
	status appendStatus
	seq    uint64
	frame  []byte // the original msg of a duplicate
}
