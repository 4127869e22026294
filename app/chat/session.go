package chat

import (
	"context"
	"errors"
	"sync"
	"time"
)

// closeMessageTooBig is the WebSocket close status of a frame over the
// relay's max_message (1009).
const closeMessageTooBig = 1009

// session is one connection to the relay: exactly one reader and one writer
// goroutine, a keepalive, and the per-connection state. Fields other than
// conn, ctx, wake and dead are guarded by Client.mu.
type session struct {
	conn   Conn
	ctx    context.Context // ends after the connection is closed
	cancel context.CancelFunc
	wake   chan struct{} // capacity 1: the writer has something to send
	dead   chan struct{} // closed once when the link is declared dead
	once   sync.Once

	resume     resume // how this connection picked up the room
	welcomed   bool
	welcomedAt time.Time // when the welcome arrived, for DefaultStableLink
	ended      bool      // late frames and timers of an ended session are ignored
	metaDue    bool      // announce my nick
	room       string    // the relay's room id, from the welcome
	probeDue   bool      // ask whether the relay relays signals (typing_client.go)
	signals    bool      // it does
	typingDue  *typingData
	readDue    *readData // how far I read (read_receipts_client.go)
	pingDue    bool
	owner      bool // holds the outbox lock: this connection sends the outbox
	// releaseLock gives the outbox lock back; nil when not held.
	releaseLock func()
	awaiting    bool // no frame received since the last ping (or since opening)
	// replayTo is the welcome's seq while its replay is arriving, 0 once
	// it is in (or when none came); stopHold ends its time limit
	// (replay_hold.go).
	replayTo uint64
	stopHold func() bool

	stopPing, stopDeadline func() bool
}

func (s *session) wakeWriter() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *session) kill() { s.once.Do(func() { close(s.dead) }) }

// runSession serves one open connection until it dies or ctx ends and
// returns how long it was up after the relay welcomed us (welcomed false:
// never). Closing (with 1000) continues in
// the background, tracked by wg, so that a dead link does not delay the
// reconnect by the close handshake's timeout.
func (c *Client) runSession(ctx context.Context, conn Conn, r resume, wg *sync.WaitGroup) (welcomed bool, up time.Duration) {
	sessCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &session{
		conn:   conn,
		ctx:    sessCtx,
		cancel: cancel,
		wake:   make(chan struct{}, 1),
		dead:   make(chan struct{}),
		resume: r,
	}
	c.mu.Lock()
	c.sess = s
	// What other tabs queued while no storage event reached this one (a
	// frozen background tab) goes out too.
	_ = c.syncOutboxLocked()
	for _, e := range c.outbox { // nothing is written on this connection yet
		e.unsent()
	}
	c.armDeadlineLocked(s) // the welcome must come within the pong timeout
	c.armPingLocked(s)
	s.owner = c.outboxLock == nil
	c.mu.Unlock()

	lockCtx, stopLock := context.WithCancel(ctx)
	if !s.owner {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.acquireOutboxLock(lockCtx, s)
		}()
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		c.readLoop(s)
	}()
	go func() {
		defer wg.Done()
		c.writeLoop(s)
	}()

	select {
	case <-ctx.Done():
	case <-s.dead:
	}

	c.mu.Lock()
	s.ended = true
	welcomed = s.welcomed
	if welcomed {
		up = c.clock.Now().Sub(s.welcomedAt)
	}
	s.stopPing()
	s.stopDeadline()
	if s.stopHold != nil {
		s.stopHold()
	}
	c.sess = nil
	for _, e := range c.outbox {
		e.unsent()
	}
	c.myConn = ""
	c.resetMembers()
	releaseLock := s.releaseLock
	s.owner, s.releaseLock = false, nil
	c.mu.Unlock()
	c.signal()
	stopLock()
	if releaseLock != nil {
		releaseLock() // the next tab may send now
	}

	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = conn.Close()
		cancel() // after Close, so that the close handshake can complete
	}()
	return welcomed, up
}

func (c *Client) readLoop(s *session) {
	for {
		frame, err := s.conn.Read(s.ctx)
		if err != nil {
			if ce, ok := errors.AsType[*CloseError](err); ok && ce.Code == closeMessageTooBig {
				c.mu.Lock()
				if !s.ended {
					c.closedTooBigLocked(s)
				}
				c.mu.Unlock()
			}
			s.kill()
			return
		}
		c.handleFrame(s, frame)
	}
}

func (c *Client) writeLoop(s *session) {
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.dead:
			return
		case <-s.wake:
		}
		for {
			frame, written := c.nextFrame(s)
			if frame == nil {
				break
			}
			if err := s.conn.Write(s.ctx, frame); err != nil {
				s.kill()
				return
			}
			if written != nil {
				c.mu.Lock()
				written()
				held, _ := c.replayHeldLocked(s)
				c.mu.Unlock()
				if !held {
					c.signal()
				}
			}
		}
	}
}

// nextFrame picks what the writer sends next: a due ping, then (once
// welcomed) my nick, then the outbox in order. written, when not nil, runs
// under the lock after a successful write.
func (c *Client) nextFrame(s *session) (frame []byte, written func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case s.ended:
		return nil, nil
	case s.pingDue:
		s.pingDue = false
		return pingFrame, nil
	case !s.welcomed:
		return nil, nil
	case s.metaDue:
		s.metaDue = false
		return c.payload.metaFrame(c.nick), nil
	case s.probeDue:
		s.probeDue = false
		return signalProbe(s.room), nil
	case s.typingDue != nil:
		d := *s.typingDue
		s.typingDue = nil
		return signalFrame(d), nil
	case s.readDue != nil:
		d := *s.readDue
		s.readDue = nil
		return signalFrame(d), nil
	case c.clock.Now().Before(c.holdUntil):
		return nil, nil
	case !s.owner:
		return nil, nil // another tab sends the outbox
	}
	// The writer is sequential, so the first pending entry is never one
	// whose write is still in progress: written runs before the next pick.
	for _, e := range c.outbox {
		if e.status != StatusPending {
			continue
		}
		frame := c.payload.pubFrame(e.ID, e.body())
		if len(frame) > c.maxMessage {
			// Queued under a larger limit (offline, another relay): this
			// relay would close with 1009. The next entry goes instead.
			c.failLocked(e, tooLongError(len(frame), c.maxMessage).Error())
			c.signal()
			continue
		}
		gen := e.gen
		// Noted before the write: a 1009 may arrive before written runs.
		e.sentOn = s
		return frame, func() {
			// Unless an echo or an error about it overtook the write.
			if !e.delivered && e.gen == gen && c.sess == s {
				e.status = StatusSent
			}
		}
	}
	return nil, nil
}

// armPingLocked schedules the next app-level ping: browsers cannot send
// WebSocket pings, and a silently dead link is only noticed by a missing answer.
func (c *Client) armPingLocked(s *session) {
	s.stopPing = c.clock.AfterFunc(DefaultPingInterval, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if s.ended {
			return
		}
		s.pingDue = true
		s.awaiting = true
		s.stopDeadline()
		c.armDeadlineLocked(s)
		c.armPingLocked(s)
		s.wakeWriter()
	})
}

// armDeadlineLocked declares the link dead unless some frame arrives
// within DefaultPongTimeout.
func (c *Client) armDeadlineLocked(s *session) {
	s.awaiting = true
	s.stopDeadline = c.clock.AfterFunc(DefaultPongTimeout, func() {
		c.mu.Lock()
		dead := s.awaiting && !s.ended
		c.mu.Unlock()
		if dead {
			s.kill()
		}
	})
}
