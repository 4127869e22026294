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

// serveSession starts one upgraded connection: it joins the room, starts
// the writer and the keepalive timer and hands reading to a new goroutine.
// It returns at once: the caller is the net/http handler, whose goroutine
// has a deep stack from the handshake and keeps net/http's request state and
// hijacked buffers alive for as long as it runs, which would double what an
// idle connection costs.
func (s *Server) serveSession(conn *websocket.Conn, adm admission) {
	m := s.admit(adm.cid, adm.name, conn)
	if m == nil {
		_ = conn.Close(websocket.StatusGoingAway, errShuttingDown.Error())
		s.releaseConn()
		return
	}
	conn.SetReadLimit(s.cfg.MaxMessage)
	r := s.hub.join(m, adm.join)
	m.startWriter(&s.output)
	s.armPing(m, r)
	go s.readSession(m, r)
	s.trimmer.accept()
}

// readSession reads m's frames until the connection ends, then takes m out
// of its room and waits for the writer to close the connection.
func (s *Server) readSession(m *member, r *room) {
	defer s.releaseConn()
	defer s.unregister(m)
	err := s.readLoop(m, r)
	if errors.Is(err, websocket.ErrMessageTooBig) {
		m.kill(endTooBig, dropTooBig)
	} else {
		m.kill(endPeerGone, "")
	}
	s.hub.leave(m, r)
	m.awaitClosed()

	log := s.log.With("conn", m.id, "room", r.name, "cid", m.cid)
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
func (s *Server) readLoop(m *member, r *room) error {
	limits := newFrameLimits(s.cfg.Rate, s.cfg.Burst)
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
			if !s.refuseBadFrame(m, r, &limits, "frames must be JSON text") {
				return nil
			}
			continue
		}
		frame, err := wire.ParseClientFrame(buf.Bytes())
		if err != nil {
			if !s.refuseBadFrame(m, r, &limits, err.Error()) {
				return nil
			}
			continue
		}
		switch frame.Type {
		case wire.TypePing:
			s.reply(m, r, pongFrame)
		case wire.TypePub:
			if !limits.allowFanOut() {
				if !s.refuseRate(m, r, &limits, frame.ID) {
					return nil
				}
				continue
			}
			s.hub.publish(m, r, frame.ID, frame.Data)
		case wire.TypeMeta:
			if !limits.allowFanOut() {
				if !s.refuseRate(m, r, &limits, "") {
					return nil
				}
				continue
			}
			s.hub.setMeta(m, r, frame.Data)
		}
	}
}

// refuseBadFrame answers a bad frame and reports whether the connection may
// go on; it is closed with 1008 once its bad-frame strikes run out.
func (s *Server) refuseBadFrame(m *member, r *room, limits *frameLimits, text string) bool {
	s.metrics.refused[wire.CodeBadFrame].Inc()
	s.reply(m, r, errorFrame(wire.CodeBadFrame, "", truncateText(text)))
	if limits.badStrike() {
		return true
	}
	s.drop(m, r, endBadFrames, dropBadFrames)
	return false
}

// refuseRate answers a pub or meta over the rate and reports whether the
// connection may go on; it is closed with 1008 once its rate strikes run out.
func (s *Server) refuseRate(m *member, r *room, limits *frameLimits, id string) bool {
	s.metrics.refused[wire.CodeRateLimited].Inc()
	s.reply(m, r, errorFrame(wire.CodeRateLimited, id, "over the rate limit: resend later with the same id"))
	if limits.rateStrike() {
		return true
	}
	s.drop(m, r, endRateAbuse, dropRateAbuse)
	return false
}

// reply queues a frame for m alone; a full queue drops m like any slow member.
func (s *Server) reply(m *member, r *room, frame []byte) {
	if m.offer(frame) {
		s.metrics.deliveries.Inc()
		return
	}
	s.drop(m, r, endSlowConsumer, dropSlowConsumer)
}

// drop ends m and announces its leave at once.
func (s *Server) drop(m *member, r *room, e ending, reason string) {
	m.kill(e, reason)
	s.hub.leave(m, r)
}

// armPing schedules m's next keepalive ping, unless m has ended. A timer,
// not a goroutine, waits between pings: idle connections are most of them.
func (s *Server) armPing(m *member, r *room) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.killed() {
		return // kill has already stopped the previous timer
	}
	m.ping = time.AfterFunc(s.cfg.PingInterval, func() { s.keepalive(m, r) })
}

// keepalive pings m once and drops it when the pong does not arrive within
// PingTimeout; otherwise it schedules the next ping. Ping needs the
// concurrent reader to see the pong.
func (s *Server) keepalive(m *member, r *room) {
	if m.killed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.PingTimeout)
	err := m.conn.Ping(ctx)
	cancel()
	switch {
	case err == nil:
		s.armPing(m, r)
	case m.killed():
	case errors.Is(err, context.DeadlineExceeded):
		s.metrics.pingTimeouts.Inc()
		s.drop(m, r, endPingTimeout, dropPingTimeout)
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
