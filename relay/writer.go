package relay

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// output is how a member's writer writes: the same for every member.
type output struct {
	limit   int           // the largest frame the relay sends (MaxMessage)
	timeout time.Duration // bound of one write (WriteTimeout)
	pool    *writerPool   // the goroutines that write (writer_pool.go)
}

// startWriter lets the member's queued frames flow, the first room's
// welcome and replay first. Until it is called frames only queue.
func (m *member) startWriter(out *output) {
	m.mu.Lock()
	m.out = out
	start := m.wakeWriterLocked()
	m.mu.Unlock()
	if start {
		out.pool.schedule(m)
	}
}

// wakeWriterLocked reports whether the member must be given to the writer
// pool, and marks it as writing: false while frames only queue (no
// startWriter yet) or while the member is already in the pool, whose
// worker takes what was added before it lets the member go. Called with
// m.mu held.
func (m *member) wakeWriterLocked() (start bool) {
	if m.out == nil || m.writing {
		return false
	}
	m.writing = true
	return true
}

// turn writes what the member has queued, as one batch, on a pool worker;
// it is the only code writing data frames to the connection, and the pool
// runs one turn of a member at a time. Afterwards the member goes back to
// the pool's tail if more frames came, or leaves it with its queue's
// arrays released. Once the member is killed, finish takes over for good:
// the member stays "writing", so it is never scheduled again.
func (m *member) turn(p *writerPool) {
	// Checked first so that a dropped member gets no further frames even
	// when its queue is not empty.
	if m.killed() {
		go m.finish(nil)
		return
	}
	w := batchWriter{conn: m.conn, socket: m.socket, limit: m.out.limit, ctx: context.Background()}
	if batch := m.take(); len(batch) > 0 {
		err := w.writeAll(batch)
		traceWritten(batch)
		m.recycle(batch)
		if err != nil {
			m.kill(endPeerGone, "") // a no-op after a write timeout
			go m.finish(err)
			return
		}
	}
	m.mu.Lock()
	switch {
	case m.killed():
		m.mu.Unlock()
		go m.finish(nil)
	case len(m.pending) > 0:
		m.mu.Unlock()
		p.schedule(m)
	default:
		m.writing = false
		// A small array stays for the next frames (no allocation per
		// message in a quiet room); a burst's is given back.
		keep := m.pending
		if cap(keep) == 0 {
			keep = m.spare
		}
		if cap(keep) > keptQueue {
			keep = nil
		}
		m.pending, m.spare = keep[:0], nil
		m.uncounted = 0
		m.mu.Unlock()
	}
}

// keptQueue is the most frames a member's drained queue keeps room for.
const keptQueue = 4

// writeTimedOut ends the member whose write has lasted WriteTimeout (the
// pool's watch calls it). Killing before closing the connection, which
// makes the write fail, counts the drop as a write timeout, not as the
// peer going away when the reader notices the closed connection first.
func (m *member) writeTimedOut() {
	m.kill(endWriteTimeout, dropWriteTimeout)
	_ = m.conn.CloseNow()
}

// finish ends a killed member's connection: it sends what the ending
// flushes (unless writing already failed with writeErr) and closes. It runs
// on its own goroutine, because a close handshake waits for the peer (up
// to 5 s in coder/websocket) and must not hold a pool worker.
func (m *member) finish(writeErr error) {
	if m.end.flush && writeErr == nil {
		if batch := m.take(); len(batch) > 0 {
			// Off the pool, so bounded by a context of its own.
			ctx, cancel := context.WithTimeout(context.Background(), m.out.timeout)
			w := batchWriter{conn: m.conn, limit: m.out.limit, ctx: ctx}
			_ = w.writeAll(batch) // the connection is closing anyway
			cancel()
		}
	}
	if m.end.code == 0 {
		_ = m.conn.CloseNow()
	} else {
		_ = m.conn.Close(m.end.code, m.end.reason)
	}
	m.closed.Done()
}

// take returns every frame pending, oldest first, and leaves the queue
// empty, reusing the previous batch's array.
func (m *member) take() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	batch := m.pending
	m.pending = m.spare
	m.spare = nil
	m.uncounted = 0
	return batch
}

// recycle gives a written batch's array back for the next pending frames,
// without the references that would keep the frames alive.
func (m *member) recycle(batch [][]byte) {
	clear(batch)
	m.mu.Lock()
	// append may round the array up past queueLen; it never needs more.
	if m.spare == nil && cap(batch) <= 2*m.queueLen {
		m.spare = batch[:0]
	}
	m.mu.Unlock()
}

// awaitClosed waits until the writer has closed the connection. The member
// must be killed first.
func (m *member) awaitClosed() {
	m.closed.Wait()
}

// batchWriter writes queued frames, joining as many as fit in limit bytes
// into one WebSocket frame separated by '\n' (chat.v1 lets the relay batch).
type batchWriter struct {
	conn *websocket.Conn
	// socket, when not nil, is corked around a frame too big for the
	// hijacked write buffer (cork.go).
	socket *closeNotifyingConn
	limit  int
	// ctx bounds the writes: Background on the pool, whose watch bounds a
	// turn instead (a context per write cost as much CPU as a small write).
	ctx context.Context
}

// batchPool holds batch buffers so that idle members keep none.
var batchPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// writeAll writes frames in order, batched. A lone frame is written as is:
// the shared bytes, no copy.
func (w *batchWriter) writeAll(frames [][]byte) error {
	switch len(frames) {
	case 0:
		return nil
	case 1:
		return w.write(frames[0])
	}
	bufp := batchPool.Get().(*[]byte)
	defer func() {
		if cap(*bufp) <= 4*w.limit { // do not keep an outsized buffer alive
			batchPool.Put(bufp)
		}
	}()
	batch := append((*bufp)[:0], frames[0]...)
	for _, next := range frames[1:] {
		if len(batch)+1+len(next) > w.limit {
			if err := w.write(batch); err != nil {
				return err
			}
			batch = append(batch[:0], next...)
		} else {
			batch = append(batch, '\n')
			batch = append(batch, next...)
		}
	}
	*bufp = batch
	return w.write(batch)
}

// maxFrameHeader is the longest header of a frame the relay sends (a
// server frame is not masked).
const maxFrameHeader = 10

// write writes p as one frame, in one write syscall when it is bigger than
// the hijacked write buffer and the socket can be corked.
func (w *batchWriter) write(p []byte) error {
	if w.socket == nil || len(p)+maxFrameHeader <= DefaultHijackWriteBuffer {
		return w.conn.Write(w.ctx, websocket.MessageText, p)
	}
	corkp := batchPool.Get().(*[]byte)
	w.socket.cork(corkp)
	err := w.conn.Write(w.ctx, websocket.MessageText, p)
	if uerr := w.socket.uncork(); err == nil {
		err = uerr
	}
	if cap(*corkp) <= 4*w.limit {
		batchPool.Put(corkp)
	}
	return err
}
