//go:build linux

package main

import (
	"context"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// wsFrame is a server's unmasked final text frame carrying payload (< 126 bytes).
func wsFrame(payload string) []byte {
	return append([]byte{0x81, byte(len(payload))}, payload...)
}

// stampedPair connects a stampedConn to a plain peer over loopback, sends
// the HTTP head a WebSocket stream starts with, and returns once the
// kernel stamps the connection's reads.
func stampedPair(t *testing.T) (*stampedConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	holder := &stampHolder{}
	var d net.Dialer
	c, err := stampedDial(d.DialContext)(context.WithValue(context.Background(), stampHolderKey{}, holder), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if holder.conn == nil || holder.conn != c {
		t.Fatalf("holder got %v, want the dialed connection %v", holder.conn, c)
	}
	peer := <-accepted
	if peer == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { peer.Close() })
	s := holder.conn
	buf := make([]byte, 4096)
	send := func(b []byte) { writeThenRead(t, s, peer, b, buf, "setup") }
	send([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"))
	// The kernel turns receive timestamps on for the first socket that asks
	// from a work queue, a moment later (net_enable_timestamp): exchange
	// frames until one comes back stamped.
	for deadline := time.Now().Add(5 * time.Second); ; {
		if time.Now().After(deadline) {
			t.Fatal("no receive timestamp within 5 s")
		}
		send(wsFrame("w"))
		m, ok := s.takeMessage()
		if !ok {
			t.Fatal("a frame read but no message seen")
		}
		if m.ns != 0 {
			break
		}
	}
	return s, peer
}

// writeThenRead has peer write data, waits until all of it is queued on s,
// and reads it with one read into buf, which must take exactly data; from
// and to enclose the write, and so the kernel's stamp of data.
func writeThenRead(t *testing.T, s *stampedConn, peer net.Conn, data, buf []byte, which string) (from, to time.Time) {
	t.Helper()
	from = time.Now()
	if _, err := peer.Write(data); err != nil {
		t.Fatal(err)
	}
	to = time.Now()
	waitQueued(t, s, len(data))
	if n, err := s.Read(buf); err != nil || n != len(data) {
		t.Fatalf("%s read: %d bytes, %v; want %d", which, n, err, len(data))
	}
	return from, to
}

// waitQueued waits until n bytes wait on s's socket, unread.
func waitQueued(t *testing.T, s *stampedConn, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; runtime.Gosched() {
		var queued int32
		var errno syscall.Errno
		if err := s.raw.Control(func(fd uintptr) {
			_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&queued)))
		}); err != nil || errno != 0 {
			t.Fatalf("SIOCINQ: %v %v", err, errno)
		}
		if int(queued) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes queued after 5 s, want %d", queued, n)
		}
	}
}

// between fails unless ns lies in [from, to], give or take a millisecond.
func between(t *testing.T, what string, ns int64, from, to time.Time) {
	t.Helper()
	stamp := time.Unix(0, ns)
	if stamp.Before(from.Add(-time.Millisecond)) || stamp.After(to.Add(time.Millisecond)) {
		t.Errorf("%s stamped %v, want between %v and %v", what, stamp.Format("15:04:05.000000"),
			from.Format("15:04:05.000000"), to.Format("15:04:05.000000"))
	}
}

// TestStampedConn_KeepsTheKernelsReceiveTime: a frame that waits on the
// socket before it is read is stamped when the peer's write arrived, not
// when it was read.
func TestStampedConn_KeepsTheKernelsReceiveTime(t *testing.T) {
	s, peer := stampedPair(t)
	frame := wsFrame("payload")
	beforeWrite := time.Now()
	if _, err := peer.Write(frame); err != nil {
		t.Fatal(err)
	}
	afterWrite := time.Now()
	waitQueued(t, s, len(frame))
	const wait = 30 * time.Millisecond
	time.Sleep(wait) // the data waits on the socket: that is the lag to measure
	buf := make([]byte, 4096)
	if n, err := s.Read(buf); err != nil || n != len(frame) {
		t.Fatalf("read %d bytes, %v; want %d", n, err, len(frame))
	}
	read := time.Now()
	m, ok := s.takeMessage()
	if !ok || m.size != int64(len("payload")) || m.possiblyLate {
		t.Fatalf("message %+v, %v: want one of %d bytes, stamped exactly", m, ok, len("payload"))
	}
	between(t, "the frame", m.ns, beforeWrite, afterWrite)
	if lag := read.Sub(time.Unix(0, m.ns)); lag < wait {
		t.Fatalf("receive lag %v, want at least the %v the data waited", lag, wait)
	}
}

// TestStampedConn_AMessageKeepsTheStampOfTheReadThatCompletedIt: messages
// are stamped by the read that copied their last byte, even when they are
// taken after later reads (a buffer above may parse them long after); a
// message split over two reads gets the second read's stamp; and a stamp
// that may include later data is flagged, with the floor below it.
func TestStampedConn_AMessageKeepsTheStampOfTheReadThatCompletedIt(t *testing.T) {
	s, peer := stampedPair(t)
	third := wsFrame("third message")
	first := append(append(wsFrame("first"), wsFrame("second")...), third[:6]...)
	second := append(third[6:], wsFrame("fourth")...)
	buf := make([]byte, 4096)

	aFrom, aTo := writeThenRead(t, s, peer, first, buf, "first")
	const apart = 30 * time.Millisecond
	time.Sleep(apart) // the two writes' stamps must be told apart
	bFrom, bTo := writeThenRead(t, s, peer, second, buf, "second")

	// Only now are the messages taken: the first two must keep the first
	// read's stamp, not the newest read's.
	want := []struct {
		size         int
		from, to     time.Time
		possiblyLate bool
	}{
		{len("first"), aFrom, aTo, true},         // its read copied "second" after it
		{len("second"), aFrom, aTo, true},        // and half of "third message"
		{len("third message"), bFrom, bTo, true}, // completed by the second read, "fourth" after it
		{len("fourth"), bFrom, bTo, false},       // the read ended with it, room to spare: exact
	}
	for i, w := range want {
		m, ok := s.takeMessage()
		if !ok {
			t.Fatalf("message %d: none", i)
		}
		if m.size != int64(w.size) || m.possiblyLate != w.possiblyLate {
			t.Errorf("message %d: size %d, possibly late %v; want %d, %v", i, m.size, m.possiblyLate, w.size, w.possiblyLate)
		}
		between(t, "message "+string(rune('1'+i)), m.ns, w.from, w.to)
		switch {
		case !m.possiblyLate && m.floorNS != m.ns:
			t.Errorf("message %d: exact stamp %d with floor %d: want the stamp", i, m.ns, m.floorNS)
		case m.floorNS > m.ns:
			t.Errorf("message %d: floor %d above its stamp %d", i, m.floorNS, m.ns)
		case i == 2:
			// "third message" was not complete after the first read, which
			// took everything queued: it arrived after that read's stamp.
			between(t, "the floor of message 3", m.floorNS, aFrom, aTo)
		}
	}
	if m, ok := s.takeMessage(); ok {
		t.Fatalf("a fifth message %+v", m)
	}

	// A read that fills its buffer may have stopped inside a newer segment
	// merged into the same skb: flagged.
	frame := wsFrame("exactly fits")
	writeThenRead(t, s, peer, frame, buf[:len(frame)], "full")
	if m, ok := s.takeMessage(); !ok || !m.possiblyLate {
		t.Errorf("message read by a full read: %+v, %v; want it flagged possibly late", m, ok)
	}
	// After a full read nothing bounds the next possibly late message.
	frame = wsFrame("after a full read")
	writeThenRead(t, s, peer, frame, buf[:len(frame)], "after the full")
	if m, ok := s.takeMessage(); !ok || !m.possiblyLate || m.floorNS != 0 {
		t.Errorf("message after a full read: %+v, %v; want possibly late with no floor", m, ok)
	}
}

// TestStampedDial_OnlyWhenAsked: without a holder in the context the dial
// is the plain one (other commands keep net.Conn's reads).
func TestStampedDial_OnlyWhenAsked(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var d net.Dialer
	c, err := stampedDial(d.DialContext)(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.(*stampedConn); ok {
		t.Fatal("got a stampedConn without a holder in the context")
	}
}
