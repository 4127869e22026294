package relay

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sync"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// member is one WebSocket connection in a room. Its reader goroutine handles
// what the client sends; its writer goroutine is the only one that writes data
// frames, draining queue; everyone else only offers frames to the queue and
// never blocks on it.
type member struct {
	id   string // the conn id announced in welcome, join, msg, leave
	cid  string
	name string // from the token, "" when none

	conn  *websocket.Conn
	queue chan []byte
	// initial holds the welcome and the replayed messages. join fills it while
	// holding the room's lock, before any later frame can be queued, and the
	// writer sends it before the queue: replay and live delivery neither
	// overlap nor leave a gap.
	initial [][]byte
	// leaveFrame is precomputed because it is needed under the room's lock
	// when the member is dropped as a slow consumer.
	leaveFrame []byte

	// Guarded by the lock of the room.
	meta   json.RawMessage
	inRoom bool

	metrics *metrics
	once    sync.Once
	done    chan struct{} // closed by kill
	end     ending        // written once by kill, read after done
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
)

func newMember(id, cid, name string, conn *websocket.Conn, queueLen int, m *metrics) *member {
	return &member{
		id:         id,
		cid:        cid,
		name:       name,
		conn:       conn,
		queue:      make(chan []byte, queueLen),
		leaveFrame: mustEncode(wire.Leave{Type: wire.TypeLeave, Conn: id, CID: cid}),
		metrics:    m,
		done:       make(chan struct{}),
	}
}

// offer queues frame without blocking and reports whether it fit.
func (m *member) offer(frame []byte) bool {
	select {
	case m.queue <- frame:
		return true
	default:
		return false
	}
}

// kill ends the member once; later calls are no-ops. dropReason, when not
// empty, counts the member in relay_dropped_total.
func (m *member) kill(e ending, dropReason string) {
	m.once.Do(func() {
		m.end = e
		if dropReason != "" {
			m.metrics.dropped[dropReason].Inc()
		}
		close(m.done)
	})
}

// killed reports whether kill was called.
func (m *member) killed() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// peer describes the member to the others. Called under the room's lock.
func (m *member) peer() wire.Peer {
	return wire.Peer{Conn: m.id, CID: m.cid, Meta: m.meta, Name: m.name}
}

// newConnID returns a random 64-bit conn id in hex: unguessable, and unlikely
// to collide with ids of other relays once rooms span several relays.
func newConnID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
