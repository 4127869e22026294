package relay

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// writeCounter counts the writes to every connection its listener accepts:
// the relay's write syscalls, on loopback where none blocks.
type writeCounter struct {
	net.Listener
	writes atomic.Int64
}

func (l *writeCounter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: c, writes: &l.writes}, nil
}

type countedConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countedConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestServer_FrameOverWriteBuffer_OneWrite: a msg bigger than the hijacked
// write buffer (512 bytes) reaches its member in one write, not in the
// buffer's worth and then the rest (cork.go).
func TestServer_FrameOverWriteBuffer_OneWrite(t *testing.T) {
	var counter *writeCounter
	tr := startRelayOn(t, Config{}, func(ln net.Listener) net.Listener {
		counter = &writeCounter{Listener: ln}
		return counter
	})
	c := tr.dial(t, query("cork", "alone"))
	c.expect(wire.TypeWelcome)
	for i, size := range []int{600, 3000} {
		before := counter.writes.Load()
		c.pub(fmt.Sprint("p", i), strings.Repeat("x", size))
		if m := c.expect(wire.TypeMsg); len(m.Data) < size {
			t.Fatalf("msg data %d bytes, want %d", len(m.Data), size)
		}
		if got := counter.writes.Load() - before; got != 1 {
			t.Errorf("a msg with %d bytes of data took %d writes, want 1", size, got)
		}
	}
}
