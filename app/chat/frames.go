package chat

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// handleFrame applies one relay frame (possibly a batch of '\n'-separated
// objects) under one lock and signals the UI once, so that bursts cost one
// re-render. The payloads are opened first, without the lock: in a private
// room that is decrypting up to a whole history and verifying its newest
// messages (private_verify.go).
func (c *Client) handleFrame(s *session, frame []byte) {
	// Read in place, into a slice as long as the frame's lines: a replay's
	// frame holds hundreds of objects, and growing the slice copied them
	// (large structs) over and over.
	lines := 1
	for _, b := range frame {
		if b == '\n' {
			lines++
		}
	}
	objects := make([]wire.ServerFrame, 0, lines)
	var plain plainReader
	_ = wire.Split(frame, func(object []byte) error {
		objects = append(objects, wire.ServerFrame{})
		if f := &objects[len(objects)-1]; !plain.msg(object, f) && json.Unmarshal(object, f) != nil {
			objects = objects[:len(objects)-1] // a frame we cannot read must not cost the connection
		}
		return nil
	})
	opened := c.payload.openFrames(objects)
	c.mu.Lock()
	if s.ended {
		c.mu.Unlock()
		return
	}
	s.awaiting = false // any frame proves the link alive
	for i := range objects {
		c.handleObjectLocked(s, &objects[i], opened[i])
	}
	if c.verifying.from != "" {
		c.reflagLocked(map[string]bool{}) // "key changed" while older signatures are checked (private_verify.go)
	}
	held, ended := c.replayHeldLocked(s)
	switch {
	case held: // written once it is in
	case ended:
		c.persistHistoryAfterLocked(DefaultPersistDelay)
	default:
		c.persistHistorySoonLocked()
	}
	c.mu.Unlock()
	if !held {
		c.signal()
	}
}

func (c *Client) handleObjectLocked(s *session, f *wire.ServerFrame, o openedFrame) {
	switch f.Type {
	case wire.TypeWelcome:
		c.handleWelcomeLocked(s, f, o.peers)
	case wire.TypeMsg:
		c.handleMsgLocked(f, o.msg)
	case wire.TypeJoin:
		if f.Peer != nil {
			c.handleJoinLocked(*f.Peer, o.peers[0])
		}
	case wire.TypeLeave:
		c.handleLeaveLocked(f.Conn)
	case wire.TypeMeta:
		c.handleMetaLocked(f.Conn, f.Meta)
	case wire.TypePresence:
		c.handlePresenceLocked(f, o.peers)
	case wire.TypeError:
		if handleProbeAnswerLocked(s, f) {
			c.sayReadLocked(true) // those already here learn how far I read
		} else {
			c.handleErrorLocked(f)
		}
	case wire.TypeSignal:
		c.handleSignalLocked(f)
	}
	// pong needs nothing beyond proving the link alive.
}

func (c *Client) handleWelcomeLocked(s *session, f *wire.ServerFrame, metas []opened) {
	if s.welcomed {
		return
	}
	s.welcomed = true
	s.welcomedAt = c.clock.Now()
	c.failover.welcomed()
	c.myConn = f.Conn
	c.maxMessage = DefaultMaxMessage
	if f.MaxMessage > 0 {
		c.maxMessage = int(f.MaxMessage)
	}
	c.adoptEpochLocked(f.Epoch)
	c.holdReplayLocked(s, f.Seq)
	c.resetMembers()
	for i, p := range f.Peers {
		c.members[p.Conn] = newMember(p, metas[i])
	}
	c.people = f.Count // set only in a big room
	c.setStateLocked(StateOnline, time.Time{}, "")
	c.addSystemLine(LineSystem, fmt.Sprintf("You joined #%s as %s", c.name, c.nick))
	if s.resume.since > 0 && !f.Recovered {
		c.addSystemLine(LineGap, "some messages may be missing")
	}
	s.metaDue = true
	s.room, s.probeDue = f.Room, f.Room != ""
	s.wakeWriter()
}

func (c *Client) handleMsgLocked(f *wire.ServerFrame, o opened) {
	if f.Seq > c.lastSeq {
		c.lastSeq = f.Seq
		c.markHistoryDirty()
	}
	c.typing.posted(f.CID)
	key := messageKey(f.CID, f.ID)
	// In a private room my cid alone proves nothing (anyone may claim it):
	// only my signature makes a message mine.
	o = c.verifyNowIfMineLocked(f.CID, f.ID, o)
	mine := c.ownCID(f.CID) && o.failure == "" && o.signer == c.signer
	if mine {
		c.deliveredLocked(f.ID)
	}
	if _, dup := c.seen[key]; dup {
		return // an echo seen twice, or a replay after since=
	}
	nick := o.body.Nick
	if nick == "" && o.failure == "" {
		nick = c.senderNickLocked(f.Conn, f.CID)
	}
	m := storedMessage{Seq: f.Seq, TS: f.TS, CID: f.CID, ID: f.ID, Nick: nick, Text: o.body.Text, Signer: o.signer, Flag: o.failure, Ref: o.body.Ref, keyed: key}
	c.checkSignerLocked(&m)
	c.seen[key] = struct{}{}
	c.history = append(c.history, m)
	c.threads.add(m)
	if o.unverified != nil {
		c.verifyLaterLocked(m, o.unverified)
	}
	if over := len(c.history) - MaxHistory; over > 0 {
		for _, old := range c.history[:over] {
			delete(c.seen, old.key())
			c.threads.forget(old)
		}
		// Resliced, not copied: a copy of the 500 messages per new one
		// was most of what a flood allocated (65 KB a message, a GC cycle
		// in the wasm every second at 50 messages/s). append moves the
		// history to a new array once its capacity is used up, which
		// also lets the messages dropped here go.
		c.history = c.history[over:]
	}
	first := len(c.timeline)
	c.appendLinesLocked(m)
	for i := first; i < len(c.timeline); i++ {
		c.timeline[i].Epoch = c.epoch // seq restarts with an in-memory relay: the UI compares (epoch, seq)
	}
	c.trimTimeline()
	c.unreadStale = true // a line, or an edit, delete or reaction of one
	c.markHistoryDirty()
}

// deliveredLocked removes my message id from the outbox: its echo arrived.
func (c *Client) deliveredLocked(id string) {
	if outboxIndex(c.outbox, id) < 0 {
		return
	}
	c.changeOutboxLocked(removeEntry(id))
}

func (c *Client) senderNickLocked(conn, cid string) string {
	if m := c.members[conn]; m != nil {
		return m.Nick
	}
	if c.ownCID(cid) {
		return c.nick
	}
	return shortCID(cid)
}

func (c *Client) handleJoinLocked(p wire.Peer, meta opened) {
	if c.people > 0 {
		c.people++
	}
	m := newMember(p, meta)
	c.members[p.Conn] = m
	c.sayReadLocked(true) // the newcomer missed my earlier read signals
	if m.known() {
		c.addSystemLine(LineSystem, m.Nick+" joined")
		return
	}
	// Clients announce their nick right after joining: wait for it briefly
	// rather than greet a client id.
	conn := p.Conn
	if stop := c.pendingJoins[conn]; stop != nil {
		stop()
	}
	c.pendingJoins[conn] = c.clock.AfterFunc(DefaultJoinGrace, func() {
		c.mu.Lock()
		if _, pending := c.pendingJoins[conn]; pending {
			delete(c.pendingJoins, conn)
			if m := c.members[conn]; m != nil {
				c.addSystemLine(LineSystem, m.Nick+" joined")
			}
		}
		c.mu.Unlock()
		c.signal()
	})
}

func (c *Client) handleLeaveLocked(conn string) {
	m := c.members[conn]
	if m == nil || conn == c.myConn {
		return
	}
	if c.people > 0 {
		c.people--
	}
	delete(c.members, conn)
	if stop, pending := c.pendingJoins[conn]; pending {
		// Came and went before saying who they are: nothing worth a line.
		stop()
		delete(c.pendingJoins, conn)
		return
	}
	c.addSystemLine(LineSystem, m.Nick+" left")
}

func (c *Client) handleMetaLocked(conn string, meta json.RawMessage) {
	m := c.members[conn]
	if m == nil || conn == c.myConn {
		return // my own nick is already shown (SetNick updates it at once)
	}
	o := c.payload.openMeta(m.CID, meta)
	nick := o.body.Nick
	m.setSigner(o.signer)
	old := m.metaNick
	m.metaNick = nick
	m.Nick = m.displayNick()
	if stop, pending := c.pendingJoins[conn]; pending {
		stop()
		delete(c.pendingJoins, conn)
		c.addSystemLine(LineSystem, m.Nick+" joined")
		return
	}
	if old != "" && nick != "" && old != nick {
		c.addSystemLine(LineSystem, fmt.Sprintf("%s is now %s", old, nick))
	}
}

// handlePresenceLocked applies a big room's coalesced presence: the count,
// and the changes to the relay's bounded list, without a line per person
// (hundreds come and go).
func (c *Client) handlePresenceLocked(f *wire.ServerFrame, metas []opened) {
	c.people = f.Count
	for _, conn := range f.Gone {
		if conn == c.myConn {
			continue
		}
		delete(c.members, conn)
		if stop, pending := c.pendingJoins[conn]; pending {
			stop()
			delete(c.pendingJoins, conn)
		}
	}
	for i, p := range f.Peers {
		if p.Conn != c.myConn {
			c.members[p.Conn] = newMember(p, metas[i])
		}
	}
	if len(f.Peers) > 0 {
		c.sayReadLocked(true) // newcomers; at most one per ReadSignalInterval
	}
}

// handleErrorLocked deals with a refused pub: rate_limited and unavailable
// keep it for a later resend with the same id; anything else can never
// succeed, so the message is marked failed (see failed.go).
func (c *Client) handleErrorLocked(f *wire.ServerFrame) {
	if f.ID == "" {
		return
	}
	i := outboxIndex(c.outbox, f.ID)
	if i < 0 {
		return
	}
	e := c.outbox[i]
	switch f.Code {
	case wire.CodeRateLimited, wire.CodeUnavailable:
		e.status = StatusPending
		e.gen++
		c.holdUntil = c.clock.Now().Add(DefaultResendDelay)
		// Whichever connection is up by then sends it: the link may have
		// been replaced (another relay) while the hold lasted.
		c.clock.AfterFunc(DefaultResendDelay, func() {
			c.mu.Lock()
			if c.sess != nil {
				c.sess.wakeWriter()
			}
			c.mu.Unlock()
		})
	default:
		reason := failedRefusedBy + f.Code
		if f.Text != "" {
			reason += " (" + shorten(f.Text, 80) + ")"
		}
		c.failLocked(e, reason)
	}
}
