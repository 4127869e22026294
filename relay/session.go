package relay

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// serveSession runs one upgraded connection until it ends: it joins the
// room, starts the writer and the keepalive, and reads on the calling
// goroutine. Each connection has exactly one reader and one writer of data
// frames; the keepalive only sends pings.
func (s *Server) serveSession(conn *websocket.Conn, adm admission) {
	defer s.releaseConn()
	m := s.admit(adm.cid, adm.name, conn)
	if m == nil {
		_ = conn.Close(websocket.StatusGoingAway, errShuttingDown.Error())
		return
	}
	defer s.unregister(m)
	conn.SetReadLimit(s.cfg.MaxMessage)

	r := s.rooms.join(m, adm.join)
	log := s.log.With("conn", m.id, "room", adm.join.room, "cid", m.cid)
	log.Debug("joined", "since", adm.join.since, "has_since", adm.join.hasSince, "epoch", adm.join.epoch)

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.writeLoop(m, r) }()
	go func() { defer wg.Done(); s.keepalive(m, r) }()

	err := s.readLoop(m, r)
	if errors.Is(err, websocket.ErrMessageTooBig) {
		m.kill(endTooBig, dropTooBig)
	} else {
		m.kill(endPeerGone, "")
	}
	s.rooms.leave(m, r)
	wg.Wait()
	_ = conn.CloseNow()

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
			if !limits.fanOut.Allow() {
				if !s.refuseRate(m, r, &limits, frame.ID) {
					return nil
				}
				continue
			}
			s.rooms.publish(m, r, frame.ID, frame.Data)
		case wire.TypeMeta:
			if !limits.fanOut.Allow() {
				if !s.refuseRate(m, r, &limits, "") {
					return nil
				}
				continue
			}
			s.rooms.setMeta(m, r, frame.Data)
		}
	}
}

// refuseBadFrame answers a bad frame and reports whether the connection may
// go on; it is closed with 1008 once its bad-frame strikes run out.
func (s *Server) refuseBadFrame(m *member, r *room, limits *frameLimits, text string) bool {
	s.metrics.refused[wire.CodeBadFrame].Inc()
	s.reply(m, r, errorFrame(wire.CodeBadFrame, "", truncateText(text)))
	if limits.badStrikes.Allow() {
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
	if limits.rateStrikes.Allow() {
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
	s.rooms.leave(m, r)
}

// writeLoop is m's only writer of data frames: the welcome and replay first,
// then everything queued, packed into as few frames as possible.
func (s *Server) writeLoop(m *member, r *room) {
	w := batchWriter{conn: m.conn, limit: int(s.cfg.MaxMessage), timeout: s.cfg.WriteTimeout,
		// Killing before the write is canceled (which closes the connection)
		// makes the drop count as a write timeout, not as the peer going away
		// when the reader notices the closed connection first.
		onTimeout: func() { m.kill(endWriteTimeout, dropWriteTimeout) }}
	err := w.writeAll(m.initial)
	m.initial = nil
	for err == nil {
		// Checked first so that a dropped member gets no further frames even
		// when its queue is not empty.
		if m.killed() {
			break
		}
		select {
		case frame := <-m.queue:
			err = w.writeQueued(frame, m.queue)
		case <-m.done:
		}
	}
	if err != nil {
		// A no-op kill after a write timeout; either way m leaves the room now.
		s.drop(m, r, endPeerGone, "")
	}
	<-m.done
	if m.end.flush && err == nil {
		w.flushQueue(m.queue)
	}
	if m.end.code == 0 {
		_ = m.conn.CloseNow()
		return
	}
	_ = m.conn.Close(m.end.code, m.end.reason)
}

// keepalive pings m every PingInterval and drops it when a pong does not
// arrive within PingTimeout. Ping needs the concurrent reader to see the pong.
func (s *Server) keepalive(m *member, r *room) {
	ticker := time.NewTicker(s.cfg.PingInterval)
	defer ticker.Stop()
	for {
		select {
		case <-m.done:
			return
		case <-ticker.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.PingTimeout)
		err := m.conn.Ping(ctx)
		cancel()
		switch {
		case err == nil:
			continue
		case m.killed():
		case errors.Is(err, context.DeadlineExceeded):
			s.metrics.pingTimeouts.Inc()
			s.drop(m, r, endPingTimeout, dropPingTimeout)
		default:
			// The connection is closed; the reader sees it and ends the session.
		}
		return
	}
}

// batchWriter writes queued frames, joining as many as fit in limit bytes
// into one WebSocket frame separated by '\n' (chat.v1 lets the relay batch).
type batchWriter struct {
	conn      *websocket.Conn
	limit     int
	timeout   time.Duration
	onTimeout func() // called when a write exceeds timeout, before it is canceled
}

// batchPool holds batch buffers so that idle members keep none.
var batchPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// writeAll writes frames in order, batched.
func (w *batchWriter) writeAll(frames [][]byte) error {
	queue := make(chan []byte, len(frames))
	for _, f := range frames {
		queue <- f
	}
	if len(frames) == 0 {
		return nil
	}
	return w.writeQueued(<-queue, queue)
}

// writeQueued writes first and everything already in queue. When nothing
// else is queued, first is written as is: the shared bytes, no copy.
func (w *batchWriter) writeQueued(first []byte, queue chan []byte) error {
	var next []byte
	select {
	case next = <-queue:
	default:
		return w.write(first)
	}
	bufp := batchPool.Get().(*[]byte)
	defer func() {
		if cap(*bufp) <= 4*w.limit { // do not keep an outsized buffer alive
			batchPool.Put(bufp)
		}
	}()
	batch := append((*bufp)[:0], first...)
	for next != nil {
		if len(batch)+1+len(next) > w.limit {
			if err := w.write(batch); err != nil {
				return err
			}
			batch = append(batch[:0], next...)
		} else {
			batch = append(batch, '\n')
			batch = append(batch, next...)
		}
		select {
		case next = <-queue:
		default:
			next = nil
		}
	}
	*bufp = batch
	return w.write(batch)
}

// flushQueue writes what is queued right now, ignoring errors: the
// connection is closing anyway.
func (w *batchWriter) flushQueue(queue chan []byte) {
	select {
	case first := <-queue:
		_ = w.writeQueued(first, queue)
	default:
	}
}

func (w *batchWriter) write(p []byte) error {
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(w.timeout, func() {
		w.onTimeout()
		cancel() // coder/websocket closes the connection: the write fails
	})
	err := w.conn.Write(ctx, websocket.MessageText, p)
	timer.Stop()
	cancel()
	return err
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
