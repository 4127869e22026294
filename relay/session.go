package relay

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// serveSession starts one upgraded connection: it joins the first room,
// starts the writer and the keepalive timer and hands reading to a new
// goroutine. It returns at once: the caller is the net/http handler, whose
// goroutine has a deep stack from the handshake and keeps net/http's
// request state and hijacked buffers alive for as long as it runs, which
// would double what an idle connection costs.
func (s *Server) serveSession(conn *websocket.Conn, adm admission) {
	m := s.admit(adm.cid, conn)
	if m == nil {
		_ = conn.Close(websocket.StatusGoingAway, errShuttingDown.Error())
		s.releaseConn()
		return
	}
	conn.SetReadLimit(s.cfg.MaxMessage)
	m.socket = adm.socket // before the writer starts (join)
	m.firstRoom = adm.join.room
	if first, err := s.hub.join(m, adm.join); err != nil {
		m.kill(joinEnding(err), "")
	} else {
		m.addSub(first)
	}
	m.startWriter(&s.output)
	s.armPing(m)
	go s.readSession(m)
	s.trimmer.accept()
}

// readSession reads m's frames until the connection ends, then takes m out
// of its rooms and waits for the writer to close the connection.
func (s *Server) readSession(m *member) {
	defer s.releaseConn()
	defer s.unregister(m)
	err := s.readLoop(m)
	if errors.Is(err, websocket.ErrMessageTooBig) {
		m.kill(endTooBig, dropTooBig)
	} else {
		m.kill(endPeerGone, "")
	}
	s.hub.leaveAll(m)
	m.awaitClosed()

	log := s.log.With("conn", m.id, "room", m.firstRoom, "cid", m.cid)
	switch {
	case m.end == endShutdown:
		log.Debug("closed for shutdown")
	case m.end != endPeerGone:
		log.Info("dropped", "why", m.end.name, "code", int(m.end.code))
	case isNormalClose(err):
		log.Debug("left", "err", err)
	default:
		log.Warn("connection failed", "err", err)
	}
}

// maxIdleReadBuffer is the largest read buffer a connection keeps between frames.
const maxIdleReadBuffer = 16 << 10

// readLoop handles the client's frames until the connection fails or the
// member is killed.
func (s *Server) readLoop(m *member) error {
	limits := newFrameLimits(s.cfg)
	var buf bytes.Buffer // reused: wire.ParseClientFrame copies what it keeps
	for {
		if buf.Cap() > maxIdleReadBuffer {
			// One big frame must not pin its buffer while the connection idles.
			buf = bytes.Buffer{}
		}
		typ, reader, err := m.conn.Reader(context.Background())
		if err != nil {
			return err
		}
		buf.Reset()
		if _, err := buf.ReadFrom(reader); err != nil {
			return err
		}
		if m.killed() {
			return nil
		}
		if typ != websocket.MessageText {
			if !s.refuseBadFrame(m, &limits, "", "frames must be JSON text") {
				return nil
			}
			continue
		}
		frame, err := wire.ParseClientFrame(buf.Bytes())
		if err != nil {
			if !s.refuseBadFrame(m, &limits, "", err.Error()) {
				return nil
			}
			continue
		}
		if !s.handleFrame(m, &limits, frame) {
			return nil
		}
	}
}

// handleFrame acts on one valid client frame and reports whether the
// connection may go on.
func (s *Server) handleFrame(m *member, limits *frameLimits, frame wire.ClientFrame) bool {
	switch frame.Type {
	case wire.TypePing:
		s.reply(m, pongFrame)
		return true
	case wire.TypeSub:
		return s.subscribe(m, limits, frame)
	case wire.TypeUnsub:
		return s.unsubscribe(m, limits, frame.Room)
	case wire.TypeSignal:
		s.signal(m, limits, frame)
		return true
	}
	// pub and meta: into a room the connection is in, the first when unnamed.
	sb, ok := s.subFor(m, frame.Room, frame.ID)
	if !ok {
		return true
	}
	if !limits.allowFanOut() {
		return s.refuseRate(m, limits, frame.Room, frame.ID)
	}
	if frame.Type == wire.TypePub {
		s.hub.publish(sb, frame.ID, frame.Data)
	} else {
		s.hub.setMeta(sb, frame.Data)
	}
	return true
}

// subFor returns m's sub of room ("": the first room), or answers
// not_subscribed (naming id, the refused pub's) and reports false.
func (s *Server) subFor(m *member, room, id string) (*sub, bool) {
	if room == "" {
		room = m.firstRoom
	}
	if sb := m.subIn(room); sb != nil {
		return sb, true
	}
	s.refuse(m, room, wire.CodeNotSubscribed, id, "not subscribed to this room: send sub first")
	return nil, false
}

// refuse answers a client frame about room with an error object.
func (s *Server) refuse(m *member, room, code, id, text string) {
	s.metrics.refused[code].Inc()
	s.reply(m, roomErrorFrame(m, room, code, id, text))
}

// roomErrorFrame is an error about room: it names the room on a
// connection that has sent sub, and is the chat.v1 error on others.
func roomErrorFrame(m *member, room, code, id, text string) []byte {
	if !m.multi.Load() {
		room = ""
	}
	return mustEncode(wire.Error{Type: wire.TypeError, Room: room, Code: code, ID: id, Text: text})
}

// refuseBadFrame answers a bad frame and reports whether the connection may
// go on; it is closed with 1008 once its bad-frame strikes run out.
// room, when not empty, is the room the frame was about.
func (s *Server) refuseBadFrame(m *member, limits *frameLimits, room, text string) bool {
	s.refuse(m, room, wire.CodeBadFrame, "", truncateText(text))
	if limits.badStrike() {
		return true
	}
	s.drop(m, endBadFrames, dropBadFrames)
	return false
}

// refuseRate answers a pub, meta, sub or unsub over the rate and reports
// whether the connection may go on; it is closed with 1008 once its rate
// strikes run out.
func (s *Server) refuseRate(m *member, limits *frameLimits, room, id string) bool {
	s.refuse(m, room, wire.CodeRateLimited, id, "over the rate limit: resend later with the same id")
	if limits.rateStrike() {
		return true
	}
	s.drop(m, endRateAbuse, dropRateAbuse)
	return false
}

// reply queues a frame for m alone; a full queue drops m like any slow member.
func (s *Server) reply(m *member, frame []byte) {
	if m.offer(frame) {
		s.metrics.deliveries.Inc()
		return
	}
	s.drop(m, endSlowConsumer, dropSlowConsumer)
}

// drop ends m and announces its leave in all its rooms at once.
func (s *Server) drop(m *member, e ending, reason string) {
	m.kill(e, reason)
	s.hub.leaveAll(m)
}

// armPing schedules m's next keepalive ping, unless m has ended. A timer,
// not a goroutine, waits between pings: idle connections are most of them.
func (s *Server) armPing(m *member) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.killed() {
		return // kill has already stopped the previous timer
	}
	m.ping = time.AfterFunc(s.cfg.PingInterval, func() { s.keepalive(m) })
}

// keepalive pings m once and drops it when the pong does not arrive within
// PingTimeout; otherwise it schedules the next ping. Ping needs the
// concurrent reader to see the pong.
func (s *Server) keepalive(m *member) {
	if m.killed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.PingTimeout)
	err := m.conn.Ping(ctx)
	cancel()
	switch {
	case err == nil:
		s.armPing(m)
	case m.killed():
	case errors.Is(err, context.DeadlineExceeded):
		s.metrics.pingTimeouts.Inc()
		s.drop(m, endPingTimeout, dropPingTimeout)
	default:
		// The connection is closed; the reader sees it and ends the session.
	}
}

// isNormalClose reports whether err is how connections normally end, which
// is not worth an error log. A reset or broken pipe is how a peer that
// vanished (a closed laptop, a killed tab, a phone that lost signal) ends.
func isNormalClose(err error) bool {
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway, websocket.StatusNoStatusRcvd, websocket.StatusAbnormalClosure:
		return true
	}
	return err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, context.Canceled) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// truncateText keeps error texts short; they may quote client input.
func truncateText(s string) string {
	const maxText = 200
	if len(s) <= maxText {
		return s
	}
	return s[:maxText] + "…"
}
