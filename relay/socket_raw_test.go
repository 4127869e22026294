//go:build linux

package relay

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
)

// rawPair returns the two ends of a loopback TCP connection, the first
// wrapped as a hijacked member socket is, reading and writing raw.
func rawPair(t *testing.T) (*closeNotifyingConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	peer, err := net.DialTimeout("tcp", ln.Addr().String(), waitTimeout)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { peer.Close() })
	server := <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	c := &closeNotifyingConn{Conn: server, onClose: func() {}, raw: socketRawConn(server)}
	if c.raw == nil {
		t.Fatal("socketRawConn(TCP connection) = nil")
	}
	t.Cleanup(func() { c.Close() })
	return c, peer
}

// TestRawSocket_WriteWaitsForRoom writes far more than the socket buffers
// hold: the raw write must wait for the peer (EAGAIN, then the netpoller)
// and deliver every byte, in order.
func TestRawSocket_WriteWaitsForRoom(t *testing.T) {
	c, peer := rawPair(t)
	want := make([]byte, 32<<20)
	for i := range want {
		want[i] = byte(i * 7)
	}
	type result struct {
		n   int
		err error
	}
	wrote := make(chan result, 1)
	go func() {
		n, err := c.write(want)
		wrote <- result{n, err}
	}()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(peer, got); err != nil {
		t.Fatalf("peer read: %v", err)
	}
	if r := <-wrote; r.n != len(want) || r.err != nil {
		t.Fatalf("write = %d, %v; want %d, nil", r.n, r.err, len(want))
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the peer read other bytes than were written")
	}
}

// TestRawSocket_ReadWaitsThenEOF reads before the peer has written: the
// read waits for the data, and once the peer closes it reports io.EOF.
func TestRawSocket_ReadWaitsThenEOF(t *testing.T) {
	c, peer := rawPair(t)
	type result struct {
		data []byte
		err  error
	}
	read := make(chan result, 1)
	go func() {
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		read <- result{buf[:n], err}
	}()
	if _, err := peer.Write([]byte("hello")); err != nil {
		t.Fatalf("peer write: %v", err)
	}
	if r := <-read; string(r.data) != "hello" || r.err != nil {
		t.Fatalf("read = %q, %v; want \"hello\", nil", r.data, r.err)
	}
	peer.Close()
	if n, err := c.Read(make([]byte, 64)); n != 0 || err != io.EOF {
		t.Fatalf("read after the peer closed = %d, %v; want 0, io.EOF", n, err)
	}
}

// TestRawSocket_CloseEndsWaits closes the socket while a read waits for
// data and a write waits for room: both must return with an error, as
// they do on a net.Conn (this is how a stuck member's writer is freed).
func TestRawSocket_CloseEndsWaits(t *testing.T) {
	c, _ := rawPair(t) // the peer reads nothing
	errs := make(chan error, 2)
	go func() {
		_, err := c.Read(make([]byte, 64))
		errs <- err
	}()
	go func() {
		_, err := c.write(make([]byte, 64<<20)) // more than the buffers hold
		errs <- err
	}()
	c.Close()
	for range 2 {
		if err := <-errs; !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read or write on a closed socket: %v, want net.ErrClosed", err)
		}
	}
}

// TestSmallBufferHijacker_RawSocket: a hijacked TCP connection, which is
// what every member has, reads and writes raw, unless there is one P only
// (rawConnOf says why).
func TestSmallBufferHijacker_RawSocket(t *testing.T) {
	raw := make(chan bool, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := withSmallHijackBuffers(w, func() {})
		conn, _, err := h.Hijack()
		if err != nil {
			raw <- false
			return
		}
		defer conn.Close()
		raw <- h.socket.raw != nil
	}))
	defer ts.Close()
	resp, err := http.Get(ts.URL)
	if err == nil {
		resp.Body.Close()
	}
	if got, want := <-raw, runtime.GOMAXPROCS(0) > 1; got != want {
		t.Fatalf("hijacked socket reads and writes raw: %v, want %v (GOMAXPROCS %d)", got, want, runtime.GOMAXPROCS(0))
	}
}
