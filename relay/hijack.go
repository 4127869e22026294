package relay

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
)

// Buffer sizes of a hijacked WebSocket connection. coder/websocket keeps the
// *bufio.ReadWriter that Hijack returns for the connection's life, and
// net/http hands out its own 4 KB reader and 4 KB writer: 8 KB per idle
// connection. Neither size is a limit: a bufio.Reader reads a payload larger
// than its buffer straight into the caller's slice, and a bufio.Writer writes
// a large payload straight to the socket, so small buffers cost at most one
// more syscall for a frame that does not fit.
const (
	// DefaultHijackReadBuffer is the read buffer (bytes): a frame header and
	// a typical client frame fit in one read.
	DefaultHijackReadBuffer = 512
	// DefaultHijackWriteBuffer is the write buffer (bytes): a frame header
	// and a typical single message go out in one write.
	DefaultHijackWriteBuffer = 512
)

// smallBufferHijacker is an http.ResponseWriter whose Hijack hands out
// buffers of the given sizes instead of net/http's, which are then garbage.
type smallBufferHijacker struct {
	http.ResponseWriter
	readSize, writeSize int
	onClose             func()              // called when the hijacked connection is closed
	socket              *closeNotifyingConn // set by Hijack
}

// withSmallHijackBuffers wraps w for websocket.Accept. onClose (never nil)
// runs when the hijacked connection is closed, however its session ends.
func withSmallHijackBuffers(w http.ResponseWriter, onClose func()) *smallBufferHijacker {
	return &smallBufferHijacker{ResponseWriter: w, readSize: DefaultHijackReadBuffer, writeSize: DefaultHijackWriteBuffer, onClose: onClose}
}

// closeNotifyingConn runs onClose after the connection is closed. Close may
// be called more than once; onClose must tolerate that. It is also where a
// member's turn corks its writes (cork.go), and where its socket is read
// and written without the scheduler's syscall bookkeeping (socket_raw.go).
type closeNotifyingConn struct {
	net.Conn
	onClose func()
	// raw is the socket's RawConn, nil when Conn is no plain socket (TLS,
	// tests' pipes), with one P, or outside Linux (rawConnOf): then Conn's
	// Read and Write serve.
	raw syscall.RawConn

	corkMu sync.Mutex
	corked *[]byte // while corked, what is written gathers here
}

// Read reads from the socket (socket_raw.go).
func (c *closeNotifyingConn) Read(p []byte) (int, error) {
	if c.raw != nil {
		return readRaw(c.raw, p)
	}
	return c.Conn.Read(p)
}

// write writes p to the socket (socket_raw.go); Write (cork.go) calls it
// unless corked.
func (c *closeNotifyingConn) write(p []byte) (int, error) {
	if c.raw != nil {
		return writeRaw(c.raw, p)
	}
	return c.Conn.Write(p)
}

func (c *closeNotifyingConn) Close() error {
	err := c.Conn.Close()
	c.onClose()
	return err
}

// Unwrap lets http.ResponseController reach the wrapped writer.
func (w *smallBufferHijacker) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush forwards to the wrapped writer, if it can flush.
func (w *smallBufferHijacker) Flush() {
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack takes over the connection and returns it with small buffers.
// net/http has cleared the connection's deadlines (the http.Server's
// ReadTimeout and WriteTimeout end with the upgrade).
//
// Bytes the client sent right after its request (a pipelined first frame)
// may already sit in net/http's reader. They are copied and end up buffered
// in the new reader before Hijack returns, because websocket.Accept keeps
// only what is buffered (it Peeks Buffered() and resets the reader onto the
// raw connection, golang/go#32314).
func (w *smallBufferHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	raw, old, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.socket = &closeNotifyingConn{Conn: raw, onClose: w.onClose, raw: rawConnOf(raw)}
	var conn net.Conn = w.socket
	if old.Writer.Buffered() > 0 { // net/http flushes the 101 itself; be safe
		if err := old.Writer.Flush(); err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("flush before switching buffers: %w", err)
		}
	}
	pending := old.Reader.Buffered()
	var src io.Reader = conn
	if pending > 0 {
		buffered, _ := old.Reader.Peek(pending) // cannot fail: already buffered
		src = io.MultiReader(bytes.NewReader(bytes.Clone(buffered)), conn)
	}
	br := bufio.NewReaderSize(src, max(w.readSize, pending))
	if pending > 0 {
		// The first fill reads only from the bytes.Reader: it never blocks on conn.
		if _, err := br.Peek(pending); err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("carry over buffered bytes: %w", err)
		}
	}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(conn, w.writeSize)), nil
}
