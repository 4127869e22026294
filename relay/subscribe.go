package relay

import (
	"errors"
	"fmt"

	"github.com/chatpwa/chat/relay/wire"
)

// The extension "many rooms": a connection joins more rooms with
// {"type":"sub","room":R,"since":N?,"epoch":E?,"token":T?} and leaves one
// with {"type":"unsub","room":R}. A sub passes the checks of a handshake
// into R that concern the room, in the same order, and is answered like
// one: a welcome for R, with the same recovery, or an error naming R where
// the handshake would have answered an HTTP status. What concerns the
// connection (origin, address and relay capacity) was checked when it
// connected. See PROTOCOL.md, "Many rooms on one connection".

// subscribe handles a sub frame and reports whether the connection may go on.
func (s *Server) subscribe(m *member, limits *frameLimits, frame wire.ClientFrame) bool {
	// From now on every room-scoped object names its room, this sub's
	// answer included.
	m.multi.Store(true)
	room := frame.Room
	if !limits.allowFanOut() {
		return s.refuseRate(m, limits, room, "")
	}
	if !wire.ValidRoom(room) {
		s.refuse(m, truncateText(room), wire.CodeInvalidRoom, "", "invalid room: want 1-64 characters of A-Za-z0-9._-")
		return true
	}
	if frame.Epoch != "" && !wire.ValidEpoch(frame.Epoch) {
		return s.refuseBadFrame(m, limits, room, "invalid epoch: want 1-64 characters of A-Za-z0-9_-")
	}
	if m.subIn(room) != nil {
		s.refuse(m, room, wire.CodeAlreadySubscribed, "", "already subscribed to this room")
		return true
	}
	req := joinRequest{room: room, epoch: frame.Epoch}
	if frame.Since != nil {
		req.since, req.hasSince = *frame.Since, true
	}
	if s.cfg.Secret != "" {
		claims, err := VerifyToken(s.cfg.Secret, frame.Token, room)
		if err == nil {
			err = claims.AllowsCID(m.cid)
		}
		if err != nil {
			s.refuse(m, room, wire.CodeForbidden, "", tokenReason(err))
			return true
		}
		req.name = claims.Name
	}
	if len(m.subs) >= s.cfg.MaxSubs {
		s.refuse(m, room, wire.CodeTooManySubs, "", fmt.Sprintf("a connection may be in %d rooms: unsub one first", s.cfg.MaxSubs))
		return true
	}
	sb, err := s.hub.join(m, req)
	switch {
	case errors.Is(err, errRoomsFull):
		s.refuse(m, room, wire.CodeTooManyRooms, "", "too many rooms: retry later")
	case err != nil:
		s.refuse(m, room, wire.CodeUnavailable, "", "relay cannot join this room now: retry later")
	default:
		m.addSub(sb)
		s.metrics.subs.Inc()
	}
	return true
}

// unsubscribe handles an unsub frame and reports whether the connection may
// go on. The others in the room get leave, as when a connection ends, and
// so does the client, as its confirmation: the last object of that room.
func (s *Server) unsubscribe(m *member, limits *frameLimits, room string) bool {
	sb := m.subIn(room)
	if sb == nil {
		s.refuse(m, truncateText(room), wire.CodeNotSubscribed, "", "not subscribed to this room")
		return true
	}
	if !limits.allowFanOut() {
		return s.refuseRate(m, limits, room, "")
	}
	m.removeSub(sb)
	s.hub.leave(sb)
	s.reply(m, withRoom(m.leaveFrame(), room))
	s.metrics.unsubs.Inc()
	return true
}
