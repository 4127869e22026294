package chat

import (
	"bytes"
	"context"
	"sync"

	"github.com/chatpwa/chat/relay/wire"
)

// sharedConn is one room's Conn on a sharedLink: what its Client reads is
// that room's objects (and the link's pongs), what it writes is named with
// the room unless it is the link's first room.
type sharedConn struct {
	link  *sharedLink
	room  string
	first bool // the room of the connect URL: its frames go without "room"

	// Guarded by link.mu:
	awaiting   bool // its sub is not answered yet
	closed     bool
	largestPub int // for telling which room a 1009 was for

	answered  chan struct{} // closed with the sub's answer
	answerErr error         // written before answered is closed

	mu    sync.Mutex
	queue [][]byte
	err   error // once the queue is drained, what Read returns
	wake  chan struct{}
}

func newSharedConn(l *sharedLink, room string, first bool) *sharedConn {
	return &sharedConn{link: l, room: room, first: first, answered: make(chan struct{}), wake: make(chan struct{}, 1)}
}

var _ Conn = (*sharedConn)(nil)

// answer ends the dial of a sub: nil for its welcome.
func (vc *sharedConn) answer(err error) {
	vc.awaiting = false
	vc.answerErr = err
	close(vc.answered)
}

func (vc *sharedConn) push(frame []byte) {
	vc.mu.Lock()
	vc.queue = append(vc.queue, frame)
	vc.mu.Unlock()
	vc.notify()
}

// fail makes Read return err once what was received before is read.
func (vc *sharedConn) fail(err error) {
	vc.mu.Lock()
	if vc.err == nil {
		vc.err = err
	}
	vc.mu.Unlock()
	vc.notify()
}

func (vc *sharedConn) notify() {
	select {
	case vc.wake <- struct{}{}:
	default:
	}
}

// Read returns the room's next frame.
func (vc *sharedConn) Read(ctx context.Context) ([]byte, error) {
	for {
		vc.mu.Lock()
		if len(vc.queue) > 0 {
			frame := vc.queue[0]
			vc.queue[0] = nil
			vc.queue = vc.queue[1:]
			vc.mu.Unlock()
			return frame, nil
		}
		err := vc.err
		vc.mu.Unlock()
		if err != nil {
			return nil, err
		}
		select {
		case <-vc.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Write sends frame for the room, in order with every other room's frames.
func (vc *sharedConn) Write(ctx context.Context, frame []byte) error {
	l := vc.link
	typ, _ := objectHeader(frame)
	var done chan error
	switch typ {
	case wire.TypePing:
		done = l.ping(frame)
		if done == nil {
			return nil // a ping is on its way: its pong reaches this room too
		}
	case wire.TypeSub:
		if !vc.first {
			// The Client's probe for signals (typing_client.go): this room
			// joined with a sub, so the relay has the extension; answer as
			// it would, without spending a token of the rate bucket.
			vc.push(encodeJSON(wire.ServerFrame{Type: wire.TypeError, Room: vc.room, Code: wire.CodeAlreadySubscribed, Text: "already in this room"}))
			return nil
		}
		done = vc.enqueue(frame, true)
	case wire.TypePub, wire.TypeMeta, wire.TypeSignal:
		if !vc.first {
			frame = withRoom(frame, vc.room)
		}
		done = vc.enqueue(frame, typ != wire.TypeSignal) // signals have a bucket of their own
	default:
		done = vc.enqueue(frame, false)
	}
	if done == nil {
		return errConnClosed
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (vc *sharedConn) enqueue(frame []byte, paced bool) chan error {
	l := vc.link
	l.mu.Lock()
	defer l.mu.Unlock()
	if vc.closed || l.state != linkOpen {
		return nil
	}
	if typ, _ := objectHeader(frame); typ == wire.TypePub {
		vc.largestPub = max(vc.largestPub, len(frame))
	}
	done := make(chan error, 1)
	l.enqueueLocked(writeItem{frame: frame, paced: paced, done: done})
	return done
}

// withRoom names room in a client frame: {"room":"R",…}. Room ids are
// A-Za-z0-9._- (the relay refused anything else at the sub), so nothing
// needs escaping.
func withRoom(frame []byte, room string) []byte {
	rest, ok := bytes.CutPrefix(frame, []byte{'{'})
	if !ok {
		return frame
	}
	out := make([]byte, 0, len(frame)+len(room)+10)
	out = append(out, `{"room":"`...)
	out = append(out, room...)
	out = append(out, `",`...)
	return append(out, rest...)
}

// Close leaves the room; the last room closes the connection with 1000.
func (vc *sharedConn) Close() error { return vc.link.release(vc) }
