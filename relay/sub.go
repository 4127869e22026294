package relay

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/chatpwa/chat/relay/wire"
)

// sub is a member's place in one room: what the room's other members see
// of it (its meta, its token's name, when it joined) and whether it is
// still there. A connection in eight rooms has eight subs and still one
// reader, one queue and one writer: a sub is a small struct, and each room
// lists its subs in join order.
//
// Every field but m and r is guarded by r.mu.
type sub struct {
	m *member
	r *room

	meta json.RawMessage
	name string // from the token of this room, "" when none
	// joinedAt is when the sub joined (Unix ns): welcome lists members of
	// every relay in that order.
	joinedAt int64
	inRoom   bool
	// holding is true from the sub's registration in the room until its
	// welcome and replay are queued: what the room delivers meanwhile waits
	// in held, so that replay and live delivery neither overlap nor leave a
	// gap, whatever else the connection's queue holds.
	holding bool
	held    [][]byte
}

// peer describes the sub's member to the room. Called under r.mu.
func (s *sub) peer() wire.Peer {
	return wire.Peer{Conn: s.m.id, CID: s.m.cid, Meta: s.meta, Name: s.name}
}

// offer queues out for the sub's member without blocking and reports
// whether it fit (false: the member is too slow); wake as in member.offer.
// Called under r.mu.
func (s *sub) offer(out *outFrame, wake *wakeList) bool {
	frame := out.forMember(s.m)
	if s.holding {
		if len(s.held) >= s.m.queueLen {
			return false
		}
		s.held = append(s.held, frame)
		return true
	}
	return s.m.offerWaking(frame, wake)
}

// offerPresence queues a crowd's presence frame, which never makes a member
// too slow (member.offerPresence). Called under r.mu.
func (s *sub) offerPresence(out *outFrame, wake *wakeList) {
	frame := out.forMember(s.m)
	if s.holding {
		s.held = append(s.held, frame)
		return
	}
	s.m.offerPresenceWaking(frame, wake)
}

// outFrame is one object a room sends to several members: as it is (the
// bytes every connection that never sent sub gets, unchanged), and with
// the room's name for connections that did, made once on first need.
type outFrame struct {
	plain  []byte
	room   string
	tagged []byte
}

func newOutFrame(frame []byte, room string) *outFrame {
	return &outFrame{plain: frame, room: room}
}

// forMember returns the bytes m gets.
func (o *outFrame) forMember(m *member) []byte {
	if !m.multi.Load() {
		return o.plain
	}
	if o.tagged == nil {
		o.tagged = withRoom(o.plain, o.room)
	}
	return o.tagged
}

// typePrefix begins every object the relay encodes: wire types put Type
// first.
var typePrefix = []byte(`{"type":"`)

// withRoom returns frame with `,"room":ROOM` after its type, where an
// encoded wire.Error or wire.Signal has its Room. frame must not carry a
// room already; room names need no escaping.
func withRoom(frame []byte, room string) []byte {
	if !bytes.HasPrefix(frame, typePrefix) {
		panic("relay: frame without a leading type: " + string(frame))
	}
	end := len(typePrefix) + bytes.IndexByte(frame[len(typePrefix):], '"') + 1
	tagged := make([]byte, 0, len(frame)+len(`,"room":""`)+len(room))
	tagged = append(tagged, frame[:end]...)
	tagged = append(tagged, `,"room":"`...)
	tagged = append(tagged, room...)
	tagged = append(tagged, '"')
	return append(tagged, frame[end:]...)
}

// subIn returns m's sub of room, nil when m is not in it. Called by the
// reader, or under m.mu.
func (m *member) subIn(room string) *sub {
	for _, s := range m.subs {
		if s.r.name == room {
			return s
		}
	}
	return nil
}

// addSub records a joined sub. Called by the reader.
func (m *member) addSub(s *sub) {
	m.mu.Lock()
	m.subs = append(m.subs, s)
	m.mu.Unlock()
}

// removeSub forgets s. Called by the reader.
func (m *member) removeSub(s *sub) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i := slices.Index(m.subs, s); i >= 0 {
		m.subs = slices.Delete(m.subs, i, i+1) // clears the tail: the array keeps no sub alive
	}
}

// subsNow returns a copy of m's subs, for goroutines other than the reader.
func (m *member) subsNow() []*sub {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*sub(nil), m.subs...)
}
