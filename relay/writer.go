package relay

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// writerLinger is how long a member's writer waits for more frames before it
// stops. An active conversation keeps its writer (no goroutine start per
// message); an idle connection has none.
const writerLinger = 2 * time.Second

// output is how a member's writer writes: the same for every member.
type output struct {
	limit   int           // the largest frame the relay sends (MaxMessage)
	timeout time.Duration // bound of one write (WriteTimeout)
}

// startWriter lets the member's queued frames flow, the first room's
// welcome and replay first. Until it is called frames only queue.
func (m *member) startWriter(out *output) {
	m.mu.Lock()
	m.out = out
	start := m.wakeWriterLocked()
	m.mu.Unlock()
	if start {
		go m.write()
	}
}

// wakeWriterLocked tells a running writer there is work, or reports that
// one must be started (and marks it as running). Called with m.mu held.
func (m *member) wakeWriterLocked() (start bool) {
	if m.out == nil {
		return false
	}
	if m.writing {
		select {
		case m.wake <- struct{}{}:
		default: // already woken
		}
		return false
	}
	m.writing = true
	m.wake = make(chan struct{}, 1)
	return true
}

// write is the member's writer: the only goroutine writing data frames to
// its connection while it runs, and at most one runs. It writes batches of
// what is queued, and stops after writerLinger without work.
// Once the member is killed it flushes what the ending asks for, closes the
// connection and never stops being "the writer", so no other one starts.
func (m *member) write() {
	// m.wake is not changed while this writer runs (only when one starts),
	// and kill wakes it too.
	watch := newWriterWatch(m.out.timeout, writerLinger, m.wake, func() {
		// Killing before the connection is closed makes the drop count as
		// a write timeout, not as the peer going away when the reader
		// notices the closed connection first. Closing it ends the write.
		m.kill(endWriteTimeout, dropWriteTimeout)
		_ = m.conn.CloseNow()
	})
	defer watch.stop()
	w := batchWriter{conn: m.conn, limit: m.out.limit, watch: watch}
	var err error
	var written [][]byte
	for err == nil {
		// Checked first so that a dropped member gets no further frames even
		// when its queue is not empty.
		if m.killed() {
			break
		}
		batch := m.take(written)
		written = batch
		if len(batch) > 0 {
			err = w.writeAll(batch)
			continue
		}
		if !m.idle(watch) {
			return
		}
	}
	if err != nil {
		m.kill(endPeerGone, "") // a no-op after a write timeout
	}
	if m.end.flush && err == nil {
		if batch := m.take(nil); len(batch) > 0 {
			_ = w.writeAll(batch) // the connection is closing anyway
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
// empty. written, the batch the writer has just written (nil if none), is
// kept for the next pending frames: two arrays take turns, and an empty
// queue keeps its own, so that a writer that keeps up allocates none.
func (m *member) take(written [][]byte) [][]byte {
	clear(written) // no references that would keep the frames alive
	m.mu.Lock()
	defer m.mu.Unlock()
	// append may round the array up past queueLen; it never needs more.
	if m.spare == nil && written != nil && cap(written) <= 2*m.queueLen {
		m.spare = written[:0]
	}
	if len(m.pending) == 0 {
		return nil
	}
	batch := m.pending
	m.pending = m.spare
	m.spare = nil
	m.uncounted = 0
	return batch
}

// idle waits for more work, or for the watch to say the writer has waited
// writerLinger. It reports false when no work came: the writer has
// stopped, and the queue's arrays are released.
func (m *member) idle(watch *writerWatch) bool {
	watch.startWait()
	<-m.wake
	watch.endWait()
	if !watch.retire.Swap(false) {
		return true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pending) > 0 || m.killed() {
		return true
	}
	m.writing = false
	m.wake = nil
	m.pending, m.spare = nil, nil
	m.uncounted = 0
	return false
}

// awaitClosed waits until the writer has closed the connection. The member
// must be killed first.
func (m *member) awaitClosed() {
	m.closed.Wait()
}

// batchWriter writes queued frames, joining as many as fit in limit bytes
// into one WebSocket frame separated by '\n' (chat.v1 lets the relay batch).
type batchWriter struct {
	conn  *websocket.Conn
	limit int
	// watch bounds each write: a write without a context costs
	// coder/websocket no timer of its own.
	watch *writerWatch
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

func (w *batchWriter) write(p []byte) error {
	w.watch.startWrite()
	err := w.conn.Write(context.Background(), websocket.MessageText, p)
	w.watch.endWrite()
	return err
}
