package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// The relay's -rate bucket (default 10/s, bursts of 20) is per connection
// and is shared by pub, meta, sub and unsub: a page that resumes 16 rooms
// at once sends 15 subs and 16 metas, and each refused frame is a strike
// towards a 1008 close of every room. So once a link carries more than its
// first room, it paces those frames under the relay's defaults. A relay with
// a lower -rate still answers rate_limited, which each Client handles.
const (
	sharedRate  = 8  // frames per second
	sharedBurst = 16 // frames
)

var (
	// errLinkGone: the shared connection ended before the room was joined;
	// the dial tries a new one.
	errLinkGone = errors.New("the shared connection to the relay ended")
	// errSharedTooBig ends the other rooms when one room's frame made the
	// relay close with 1009: only that room's Client may fail its message.
	errSharedTooBig = errors.New("the connection closed: another room's message was too big for the relay")
	errPongTimeout  = errors.New("the relay stopped answering pings")
	errConnClosed   = errors.New("connection closed")
)

type linkState int

const (
	linkDialing linkState = iota
	linkOpen
	linkClosing // the last room left; closing with 1000
	linkDead
)

// sharedLink is one connection carrying several rooms: one reader that
// routes each object to its room's Conn by its "room" field, and one writer
// that sends the rooms' frames in the order they were written.
//
// Lock order: sharedLink.mu, then sharedConn.mu; SharedTransport.mu is never
// taken while holding either.
type sharedLink struct {
	t     *SharedTransport
	key   string
	ready chan struct{} // closed once the first dial has finished, either way

	conn   Conn // set before ready is closed; nil when the dial failed
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{} // capacity 1: the writer has something to send
	dead   chan struct{} // closed when the link ends

	mu    sync.Mutex
	state linkState
	first *sharedConn            // the room of the URL while it is in; its objects may lack "room"
	rooms map[string]*sharedConn // every room on the link, by relay room id
	// awaiting are the subs sent and not answered yet, oldest first.
	awaiting []*sharedConn
	// subbed: this link has sent a sub of its own, so the relay tags every
	// room-scoped object with "room" and the rooms share the rate bucket.
	subbed    bool
	subWorked bool // a sub was answered naming its room: the relay has the extension
	noSub     bool // the relay answered a sub with a bad_frame: one room per connection
	full      bool // the relay answered too_many_subs

	writes          []writeItem
	pings           []writeItem // sent before writes: never paced
	tokens          float64     // the pacing bucket
	tokensAt        time.Time
	pingOutstanding bool
	stopDeadline    func() bool // the keepalive's deadline while a ping is unanswered
	deadlineGen     int         // tells a deadline that fired late from the current one
}

// writeItem is one frame for the writer; done, when not nil, gets the result.
type writeItem struct {
	frame []byte
	paced bool
	done  chan error
}

func newSharedLink(t *SharedTransport, key string) *sharedLink {
	return &sharedLink{
		t:      t,
		key:    key,
		ready:  make(chan struct{}),
		wake:   make(chan struct{}, 1),
		dead:   make(chan struct{}),
		rooms:  map[string]*sharedConn{},
		tokens: sharedBurst,
	}
}

// acceptsRooms reports whether a dial may use l: it is being dialed, or open
// on a relay that takes more rooms.
func (l *sharedLink) acceptsRooms() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state == linkDialing || (l.state == linkOpen && !l.noSub && !l.full)
}

// dialFirst opens the connection with room as its first room.
func (l *sharedLink) dialFirst(ctx context.Context, rawURL, room string) (Conn, error) {
	defer close(l.ready)
	conn, err := l.t.inner.Dial(ctx, rawURL)
	if err != nil {
		l.mu.Lock()
		l.state = linkDead
		l.mu.Unlock()
		l.t.forget(l)
		return nil, err
	}
	l.conn = conn
	l.ctx, l.cancel = context.WithCancel(context.Background())
	vc := newSharedConn(l, room, true)
	l.mu.Lock()
	l.state = linkOpen
	l.first = vc
	l.rooms[room] = vc
	l.mu.Unlock()
	go l.readLoop()
	go l.writeLoop()
	return vc, nil
}

// sub joins target's room on l and waits for the relay's answer.
func (l *sharedLink) sub(ctx context.Context, target dialTarget) (Conn, error) {
	l.mu.Lock()
	switch {
	case l.state != linkOpen:
		l.mu.Unlock()
		return nil, errLinkGone
	case l.noSub || l.full:
		l.mu.Unlock()
		return nil, errCannotSub
	}
	if old := l.rooms[target.room]; old != nil {
		// The room's Client dials again before its old Conn is closed (a new
		// token, say): leave first, so that the relay does not answer
		// already_subscribed.
		l.detachLocked(old, errConnClosed)
		l.enqueueLocked(unsubItem(target.room))
	}
	vc := newSharedConn(l, target.room, false)
	vc.awaiting = true
	l.rooms[target.room] = vc
	l.awaiting = append(l.awaiting, vc)
	l.subbed = true
	l.enqueueLocked(writeItem{frame: encodeJSON(wire.ClientFrame{
		Type: wire.TypeSub, Room: target.room, Since: target.since, Epoch: target.epoch, Token: target.token,
	}), paced: true})
	l.mu.Unlock()

	select {
	case <-vc.answered:
	case <-ctx.Done():
		_ = vc.Close()
		return nil, ctx.Err()
	}
	if vc.answerErr != nil {
		return nil, vc.answerErr
	}
	return vc, nil
}

// release takes vc off the link: the relay is told with an unsub, and the
// last room closes the connection.
func (l *sharedLink) release(vc *sharedConn) error {
	l.mu.Lock()
	if vc.closed {
		l.mu.Unlock()
		return nil
	}
	if l.state != linkOpen {
		vc.closed = true
		vc.fail(errConnClosed)
		l.mu.Unlock()
		return nil
	}
	l.detachLocked(vc, errConnClosed)
	if len(l.rooms) > 0 {
		l.enqueueLocked(unsubItem(vc.room))
		l.mu.Unlock()
		return nil
	}
	l.mu.Unlock()
	return l.closeEmpty()
}

// closeEmpty closes the link once its last room left, with 1000.
func (l *sharedLink) closeEmpty() error {
	l.mu.Lock()
	if l.state != linkOpen || len(l.rooms) > 0 {
		l.mu.Unlock()
		return nil
	}
	l.state = linkClosing
	l.mu.Unlock()
	l.t.forget(l)
	err := l.conn.Close()
	l.end(errConnClosed)
	return err
}

// closeIfEmptyLocked closes the link in the background when a refused sub
// left it without rooms: nobody would ever close it otherwise.
func (l *sharedLink) closeIfEmptyLocked() {
	if len(l.rooms) == 0 {
		go l.closeEmpty()
	}
}

func unsubItem(room string) writeItem {
	return writeItem{frame: encodeJSON(wire.ClientFrame{Type: wire.TypeUnsub, Room: room}), paced: true}
}

// detachLocked removes vc from the link; the caller tells the relay with an
// unsub (queued after everything vc wrote) unless the link closes.
func (l *sharedLink) detachLocked(vc *sharedConn, err error) {
	vc.closed = true
	vc.fail(err)
	if l.rooms[vc.room] == vc {
		delete(l.rooms, vc.room)
	}
	l.dropAwaitingLocked(vc)
	if l.first == vc {
		l.first = nil
	}
}

func (l *sharedLink) dropAwaitingLocked(vc *sharedConn) {
	for i, a := range l.awaiting {
		if a == vc {
			l.awaiting = append(l.awaiting[:i:i], l.awaiting[i+1:]...)
			return
		}
	}
}

// end marks the link dead and ends every room on it with err (a 1009 only
// for the room that wrote the largest message).
func (l *sharedLink) end(err error) {
	l.mu.Lock()
	if l.state == linkDead {
		l.mu.Unlock()
		return
	}
	l.state = linkDead
	close(l.dead)
	if l.stopDeadline != nil {
		l.stopDeadline()
		l.stopDeadline = nil
	}
	for _, w := range append(l.pings, l.writes...) {
		if w.done != nil {
			w.done <- errLinkGone
		}
	}
	l.pings, l.writes = nil, nil
	var culprit *sharedConn
	if ce, ok := errors.AsType[*CloseError](err); ok && ce.Code == closeMessageTooBig {
		for _, vc := range l.rooms {
			if culprit == nil || vc.largestPub > culprit.largestPub {
				culprit = vc
			}
		}
	}
	for _, vc := range l.rooms {
		switch {
		case vc.awaiting:
			vc.answer(errLinkGone)
		case culprit != nil && vc != culprit:
			vc.fail(errSharedTooBig)
		default:
			vc.fail(err)
		}
	}
	l.rooms, l.awaiting, l.first = map[string]*sharedConn{}, nil, nil
	l.mu.Unlock()
	l.t.forget(l)
}

func (l *sharedLink) readLoop() {
	for {
		frame, err := l.conn.Read(l.ctx)
		if err != nil {
			l.mu.Lock()
			closing := l.state == linkClosing
			l.mu.Unlock()
			l.end(err)
			if !closing {
				_ = l.conn.Close()
			}
			l.cancel() // after Close, so that the close handshake can complete
			return
		}
		l.route(frame)
	}
}

// route hands each object of frame to its room's Conn, keeping the relay's
// batches together per room. A frame whose objects all go to one room (a
// room's replay: hundreds of them) is handed on as it is, not copied.
func (l *sharedLink) route(frame []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopDeadline != nil { // any frame proves the link alive
		l.stopDeadline()
		l.stopDeadline = nil
	}
	if !l.subbed {
		// Only the first room, whose objects need no routing (its Client's
		// own probe may make the relay add "room": still the first room's).
		if l.first != nil {
			l.first.push(frame)
		}
		return
	}
	var to *sharedConn
	var batch [][]byte
	whole := true // every object so far is in batch, for to
	flush := func() {
		if to != nil && len(batch) > 0 {
			to.push(bytes.Join(batch, []byte{'\n'}))
		}
		batch = batch[:0]
	}
	_ = wire.Split(frame, func(object []byte) error {
		typ, room := objectHeaderBytes(object)
		var dest *sharedConn
		switch {
		case string(typ) == wire.TypePong:
			// The keepalive is the connection's: every room's Client
			// learns the link is alive.
			l.pingOutstanding = false
			flush()
			to, whole = nil, false
			for _, vc := range l.rooms {
				if !vc.awaiting {
					vc.push(bytes.Clone(object))
				}
			}
			return nil
		case len(room) == 0:
			if string(typ) == wire.TypeError && l.subRefusedAsUnknownLocked(object) {
				whole = false
				return nil
			}
			dest = l.first
		default:
			dest = l.rooms[string(room)]
		}
		if dest == nil {
			whole = false
			return nil // a room left meanwhile
		}
		if dest.awaiting && !l.answerLocked(dest, string(typ), object) {
			whole = false
			return nil
		}
		if dest != to {
			flush()
			whole = whole && to == nil
			to = dest
		}
		batch = append(batch, object)
		return nil
	})
	if whole && to != nil {
		to.push(frame)
		return
	}
	flush()
}

// answerLocked applies the object that arrived for a sub not yet answered
// and reports whether it goes to the room's Conn: the welcome does; a
// refusal ends the dial; anything else is left over from an earlier sub of
// the room (its last objects, its own leave) and is dropped.
func (l *sharedLink) answerLocked(vc *sharedConn, typ string, object []byte) bool {
	switch typ {
	case wire.TypeWelcome:
		l.subWorked = true
		l.dropAwaitingLocked(vc)
		vc.answer(nil)
		return true
	case wire.TypeError:
		var f wire.ServerFrame
		if json.Unmarshal(object, &f) != nil || f.Code == wire.CodeNotSubscribed {
			return false
		}
		l.subWorked = true
		err := l.subRefusal(f)
		if f.Code == wire.CodeTooManySubs {
			l.full = true
		}
		l.dropAwaitingLocked(vc)
		delete(l.rooms, vc.room)
		vc.closed = true
		vc.answer(err)
		if f.Code == wire.CodeAlreadySubscribed {
			// A join we no longer know of (a dial given up before its
			// answer, re-sent): leave it, and the next dial joins afresh.
			l.enqueueLocked(unsubItem(vc.room))
		}
		l.closeIfEmptyLocked()
	}
	return false
}

// subRefusal is the error a Client's dial gets for a refused sub: the
// *DialError its handshake into the room would have had, so that it shows
// "access denied" or "invalid room" and waits as it would for those.
func (l *sharedLink) subRefusal(f wire.ServerFrame) error {
	switch f.Code {
	case wire.CodeInvalidRoom, wire.CodeBadFrame:
		return &DialError{Status: 400, Reason: f.Text}
	case wire.CodeForbidden:
		return &DialError{Status: 401, Reason: f.Text}
	case wire.CodeTooManyRooms:
		return &DialError{Status: 503, Reason: f.Text}
	case wire.CodeTooManySubs:
		return errCannotSub
	}
	// unavailable, rate_limited, already_subscribed: try again later.
	return errors.New("the relay did not let this room join now: " + f.Code + " " + f.Text)
}

// subRefusedAsUnknownLocked recognises a relay without the extension: it
// answers a sub with a bad_frame that names no room. The oldest waiting sub
// gets a connection of its own instead, and so does every later room.
func (l *sharedLink) subRefusedAsUnknownLocked(object []byte) bool {
	if l.subWorked || len(l.awaiting) == 0 {
		return false
	}
	var f wire.ServerFrame
	if json.Unmarshal(object, &f) != nil || f.Code != wire.CodeBadFrame {
		return false
	}
	l.noSub = true
	vc := l.awaiting[0]
	l.awaiting = l.awaiting[1:]
	delete(l.rooms, vc.room)
	vc.closed = true
	vc.answer(errCannotSub)
	l.closeIfEmptyLocked()
	return true
}

// objectHeader reads an object's type and room. The relay writes "type"
// first and "room" right after it (PROTOCOL.md), so this is a prefix scan;
// anything else is decoded.
func objectHeader(object []byte) (typ, room string) {
	t, r := objectHeaderBytes(object)
	return string(t), string(r)
}

// objectHeaderBytes is objectHeader without a copy of either, when the
// object starts as the relay writes it: route reads the header of every
// object of every frame.
func objectHeaderBytes(object []byte) (typ, room []byte) {
	if rest, ok := bytes.CutPrefix(object, []byte(`{"type":"`)); ok {
		if i := bytes.IndexByte(rest, '"'); i >= 0 {
			typ, rest = rest[:i], rest[i+1:]
			if rest, ok := bytes.CutPrefix(rest, []byte(`,"room":"`)); ok {
				if j := bytes.IndexByte(rest, '"'); j >= 0 {
					return typ, rest[:j]
				}
			} else if !bytes.Contains(rest, []byte(`"room"`)) {
				return typ, nil
			}
		}
	}
	var h struct{ Type, Room string }
	_ = json.Unmarshal(object, &h)
	return []byte(h.Type), []byte(h.Room)
}

// enqueueLocked hands w to the writer.
func (l *sharedLink) enqueueLocked(w writeItem) {
	l.writes = append(l.writes, w)
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// ping sends an app-level ping for the rooms: while one is unanswered on a
// link with several rooms, another is not needed (its pong reaches every
// room). The link ends when no frame at all answers within
// DefaultPongTimeout.
func (l *sharedLink) ping(frame []byte) (done chan error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	done = make(chan error, 1)
	if l.state != linkOpen {
		done <- errLinkGone
		return done
	}
	if l.subbed && l.pingOutstanding {
		return nil
	}
	l.pingOutstanding = true
	if l.stopDeadline == nil {
		l.deadlineGen++
		gen := l.deadlineGen
		l.stopDeadline = l.t.clock.AfterFunc(DefaultPongTimeout, func() {
			l.mu.Lock()
			expired := l.stopDeadline != nil && l.deadlineGen == gen && l.state == linkOpen
			l.mu.Unlock()
			if expired {
				l.end(errPongTimeout)
				_ = l.conn.Close()
			}
		})
	}
	l.pings = append(l.pings, writeItem{frame: frame, done: done})
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return done
}

func (l *sharedLink) writeLoop() {
	for {
		w, ok := l.nextWrite()
		if !ok {
			return
		}
		if w.paced && !l.waitForToken() {
			if w.done != nil {
				w.done <- errLinkGone
			}
			return
		}
		err := l.conn.Write(l.ctx, w.frame)
		if w.done != nil {
			w.done <- err
		}
		if err != nil {
			l.end(err)
			_ = l.conn.Close()
			return
		}
	}
}

// nextWrite waits for the next frame to send: pings first.
func (l *sharedLink) nextWrite() (writeItem, bool) {
	for {
		l.mu.Lock()
		var w writeItem
		switch {
		case l.state == linkDead:
			l.mu.Unlock()
			return w, false
		case len(l.pings) > 0:
			w, l.pings = l.pings[0], l.pings[1:]
		case len(l.writes) > 0:
			w, l.writes = l.writes[0], l.writes[1:]
			w.paced = w.paced && l.subbed
		default:
			l.mu.Unlock()
			select {
			case <-l.wake:
			case <-l.dead:
			}
			continue
		}
		l.mu.Unlock()
		return w, true
	}
}

// waitForToken takes one token of the pacing bucket, waiting for it if
// needed; false when the link ended meanwhile.
func (l *sharedLink) waitForToken() bool {
	l.mu.Lock()
	now := l.t.clock.Now()
	if !l.tokensAt.IsZero() {
		l.tokens = min(sharedBurst, l.tokens+now.Sub(l.tokensAt).Seconds()*sharedRate)
	}
	l.tokensAt = now
	l.tokens--
	wait := time.Duration(0)
	if l.tokens < 0 {
		wait = time.Duration(-l.tokens / sharedRate * float64(time.Second))
	}
	l.mu.Unlock()
	if wait == 0 {
		return true
	}
	due := make(chan struct{})
	stop := l.t.clock.AfterFunc(wait, func() { close(due) })
	defer stop()
	select {
	case <-due:
		return true
	case <-l.dead:
		return false
	}
}
