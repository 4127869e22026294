package relay

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// member is one WebSocket connection, in one or more rooms (its subs,
// sub.go). Its reader goroutine handles what the client sends; its turns on
// the server's writer pool (writer.go, writer_pool.go) are the only code
// that writes data frames; everyone else only offers frames to its queue
// and never blocks on it. Slow consumer, rate limits and close codes are the
// connection's: a member dropped in one room leaves all of its rooms.
//
// An idle member costs as little as possible, because a relay holds tens of
// thousands of them: the reader is its only goroutine, whatever the number
// of its rooms (a few goroutines shared by every member write), the
// keepalive is a timer, and the queue is a slice that grows on demand and is
// released when drained.
type member struct {
	id  string // the conn id announced in welcome, join, msg, leave
	cid string

	conn *websocket.Conn
	// socket is the hijacked connection under conn, which turns cork
	// (cork.go); nil in tests that build a member by hand. Set before the
	// writer starts.
	socket *closeNotifyingConn
	// leave is built on first use (leaveFrame), so that an idle member
	// does not hold it (about 100 bytes) before it leaves a room.
	leaveOnce sync.Once
	leave     []byte

	// firstRoom is the room= of the connect URL: a pub, meta or signal
	// without room is for it. Set before the reader starts.
	firstRoom string
	// multi is set once the client has sent a sub: from then on every
	// room-scoped object it gets names its room (sub.go, outFrame).
	multi atomic.Bool
	// subs are the member's rooms, in the order it joined them. Only the
	// reader changes them, under mu; the reader reads them freely, anyone
	// else under mu. A slice, not a map: a connection is in a few rooms.
	subs []*sub

	metrics *metrics
	once    sync.Once
	// dead is set by kill, after end: a channel would cost an idle member
	// an allocation (96 bytes) for what only the writer needs to hear, and
	// kill schedules the member's last turn.
	dead atomic.Bool
	end  ending // written once by kill, read after dead

	// mu guards the outbound side: the queue, the writer's state and the
	// keepalive timer. Lock order: a room's lock before mu.
	mu       sync.Mutex
	queueLen int      // most frames pending before the member is too slow
	pending  [][]byte // frames offered and not yet taken by the writer
	// uncounted counts the frames in pending that do not count toward
	// queueLen: presence (see offerPresence), and the welcome and replay of
	// a join (offerInitial), which may be longer than the queue.
	uncounted int
	spare     [][]byte    // the writer's previous batch, reused for pending
	out       *output     // how to write; nil until startWriter (then frames only queue)
	writing   bool        // in the writer pool (or finished: see turn)
	ping      *time.Timer // the next keepalive ping
	// closed is done once the writer has closed the connection: a
	// WaitGroup holding 1 from newMember on, not a channel, so that an idle
	// member does not pay for one.
	closed sync.WaitGroup
}

// ending says how a member's connection ends.
type ending struct {
	name   string               // for logs
	code   websocket.StatusCode // 0: no close frame, just close the socket
	reason string
	// flush sends what is already queued before the close frame, so that the
	// client sees the error frames that explain a 1008 or the last messages
	// before a 1001.
	flush bool
}

// Endings of a member. Close reasons are short because a close frame allows
// 123 bytes.
var (
	endPeerGone     = ending{name: "peer gone"}
	endPingTimeout  = ending{name: "ping timeout"}
	endWriteTimeout = ending{name: "write timeout"}
	endSlowConsumer = ending{name: "slow consumer", code: websocket.StatusTryAgainLater, reason: "outbound queue full: reconnect with since"}
	endTooBig       = ending{name: "too big", code: websocket.StatusMessageTooBig, reason: "frame over max_message"}
	endBadFrames    = ending{name: "bad frames", code: websocket.StatusPolicyViolation, reason: "too many bad frames", flush: true}
	endRateAbuse    = ending{name: "rate abuse", code: websocket.StatusPolicyViolation, reason: "sustained rate limit excess", flush: true}
	endShutdown     = ending{name: "shutdown", code: websocket.StatusGoingAway, reason: "relay shutting down", flush: true}
	// endMissedMessages: with NATS, the room's stream evicted messages this
	// relay's feed never delivered (see natsBroker.deliver). Reconnecting
	// with since makes the gap visible (recovered:false) instead of silent.
	endMissedMessages = ending{name: "missed messages", code: websocket.StatusTryAgainLater, reason: "relay missed messages: reconnect with since", flush: true}
)

func newMember(id, cid string, conn *websocket.Conn, queueLen int, m *metrics) *member {
	mb := &member{
		id:       id,
		cid:      cid,
		conn:     conn,
		queueLen: queueLen,
		metrics:  m,
	}
	mb.closed.Add(1)
	return mb
}

// leaveFrame is the member's leave announcement. It names no room, so
// every room shares it; rooms need it under their lock when the member is
// dropped as a slow consumer, where encoding it once is cheap.
func (m *member) leaveFrame() []byte {
	m.leaveOnce.Do(func() {
		m.leave = mustEncode(wire.Leave{Type: wire.TypeLeave, Conn: m.id, CID: m.cid})
	})
	return m.leave
}

// offer queues frame without blocking and reports whether it fit: false
// means the member has queueLen frames pending and is too slow.
func (m *member) offer(frame []byte) bool { return m.offerWaking(frame, nil) }

// offerWaking is offer for a fan-out: a member the writer pool must now
// write for is added to wake, which the fan-out hands to the pool at once,
// instead of being scheduled by itself (nil wake: at once).
func (m *member) offerWaking(frame []byte, wake *wakeList) bool {
	m.mu.Lock()
	if len(m.pending)-m.uncounted >= m.queueLen {
		m.mu.Unlock()
		return false
	}
	m.pending = append(m.pending, frame)
	start := m.wakeWriterLocked()
	m.mu.Unlock()
	if start {
		wake.schedule(m)
	}
	return true
}

// offerPresence queues a coalesced presence frame without counting it
// toward queueLen: presence must never make a member who keeps up with
// msgs a slow consumer. What it adds is bounded by time, not by the
// queue: a room sends one per second, and a writer stuck longer than
// WriteTimeout ends the member.
func (m *member) offerPresence(frame []byte) { m.offerPresenceWaking(frame, nil) }

// offerPresenceWaking is offerPresence for a fan-out (see offerWaking).
func (m *member) offerPresenceWaking(frame []byte, wake *wakeList) {
	m.mu.Lock()
	m.pending = append(m.pending, frame)
	m.uncounted++
	start := m.wakeWriterLocked()
	m.mu.Unlock()
	if start {
		wake.schedule(m)
	}
}

// offerInitial queues the welcome and replay of a join, and what the room
// delivered while they were read (sub.held), without counting them toward
// queueLen: a replay may hold more msgs than the queue, and what was held
// was bounded by queueLen already.
func (m *member) offerInitial(frames [][]byte) {
	m.mu.Lock()
	m.pending = append(m.pending, frames...)
	m.uncounted += len(frames)
	start := m.wakeWriterLocked()
	m.mu.Unlock()
	if start {
		m.out.pool.schedule(m)
	}
}

// kill ends the member once; later calls are no-ops. dropReason, when not
// empty, counts the member in relay_dropped_total. The writer then sends what
// the ending flushes and closes the connection.
func (m *member) kill(e ending, dropReason string) {
	m.once.Do(func() {
		m.end = e
		if dropReason != "" {
			m.metrics.dropped[dropReason].Inc()
		}
		m.dead.Store(true)
		m.mu.Lock()
		if m.ping != nil {
			m.ping.Stop()
		}
		start := m.wakeWriterLocked()
		m.mu.Unlock()
		if start {
			m.out.pool.schedule(m)
		}
	})
}

// killed reports whether kill was called.
func (m *member) killed() bool {
	return m.dead.Load()
}

// newConnID returns a random 64-bit conn id in hex: unguessable, and unlikely
// to collide with ids of other relays once rooms span several relays.
func newConnID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
