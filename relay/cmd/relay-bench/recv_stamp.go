//go:build linux

package main

import (
	"context"
	"io"
	"net"
	"sync"
	"syscall"
	"unsafe"
)

// stampedConn is a TCP connection whose reads also return the kernel's
// receive timestamp (SO_TIMESTAMPNS), and which gives each WebSocket
// message the server sent the timestamp of the read that completed it.
//
// What the timestamp is (Linux 6.x, checked in the source): the kernel
// stamps a packet when it enters the receive path; on loopback that is
// inside the server's send, when TCP hands the segment to the loopback
// device (netif_rx, with net.core.netdev_tstamp_prequeue=1, the default),
// so before the receive softirq puts it on this socket and long before this
// tool reads it. When TCP merges a segment into the skb already at the tail
// of the receive queue (tcp_try_coalesce), the skb takes the newer
// segment's stamp. tcp_recvmsg overwrites its one stamp with each skb it
// copies from (tcp_update_recv_tstamps), so a recvmsg reports the stamp of
// the last skb it copied from: the arrival of the newest segment in it.
//
// So a message gets the stamp of the read that copied its last byte, which
// is never earlier than that byte's arrival, and exactly its arrival when
// the read stopped at the message's end with room left in its buffer (it
// then copied everything queued, and the last skb ended with the message).
// When the same read also copied later bytes, or filled its buffer (the
// last skb may hold later segments), the stamp may be late by up to the
// time between the message's last segment and the newest segment of that
// read — never more than the message's receive lag, as a read only copies
// what arrived before it. Such stamps are flagged possiblyLate.
//
// A lower bound then: the segments of one connection are stamped in the
// order the server sent them, so a message that a read which stopped with
// room to spare (it took everything queued) did not complete arrived after
// every segment that read copied: after its stamp. A possibly late message
// gets the previous read's stamp as its floor when that read was not full,
// else 0 (no bound but the message's due time).
//
// The kernel turns stamping on a moment after the first socket asks (from a
// work queue), so the first reads of a run may come unstamped (0).
type stampedConn struct {
	*net.TCPConn
	raw syscall.RawConn

	// tap runs in Read; mu guards messages, which the receiver takes.
	tap      frameTap
	mu       sync.Mutex
	messages []messageStamp // completed, not yet taken, oldest first
	// prevNS is the stamp of the previous read when it was not full (it
	// took everything queued), else 0: the floor of the next read's
	// possibly late messages.
	prevNS int64
}

// stampHolder lets dial find the conn its HTTP client dialed: the dial
// context carries it down to DialContext.
type stampHolder struct{ conn *stampedConn }

type stampHolderKey struct{}

// stampedDial wraps dial: when ctx carries a stampHolder, the TCP
// connection it opens reports receive timestamps and the holder gets it.
func stampedDial(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		h, _ := ctx.Value(stampHolderKey{}).(*stampHolder)
		if h == nil {
			return c, nil // the caller does not measure receive lag
		}
		tcp, ok := c.(*net.TCPConn)
		if !ok {
			return c, nil
		}
		raw, err := tcp.SyscallConn()
		if err != nil {
			return c, nil
		}
		var optErr error
		if err := raw.Control(func(fd uintptr) {
			optErr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
		}); err != nil || optErr != nil {
			return c, nil // no stamps: the receive lag is not measured
		}
		s := &stampedConn{TCPConn: tcp, raw: raw}
		h.conn = s
		return s, nil
	}
}

// oobSize holds one SCM_TIMESTAMPNS control message.
var oobSize = syscall.CmsgSpace(int(unsafe.Sizeof(syscall.Timespec{})))

// Read reads like net.Conn's Read (waiting in the netpoller when nothing is
// there) and keeps the receive timestamp of what it read.
func (s *stampedConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var oob [64]byte
	var n, oobn int
	var err error
	rerr := s.raw.Read(func(fd uintptr) bool {
		n, oobn, _, _, err = syscall.Recvmsg(int(fd), p, oob[:oobSize], 0)
		return err != syscall.EAGAIN
	})
	if rerr != nil {
		return 0, rerr
	}
	if err != nil {
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: s.LocalAddr(), Addr: s.RemoteAddr(), Err: err}
	}
	if n == 0 {
		return 0, io.EOF
	}
	ns := timestampNS(oob[:oobn])
	full := n == len(p)
	s.tap.feed(p[:n], func(m tappedMessage) {
		stamp := messageStamp{ns: ns, possiblyLate: full || m.end < n, size: m.size, floorNS: ns}
		if stamp.possiblyLate {
			stamp.floorNS = s.prevNS
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.messages = append(s.messages, stamp)
	})
	s.prevNS = ns
	if full {
		s.prevNS = 0
	}
	return n, nil
}

// takeMessage returns the stamp of the oldest message not yet taken: call
// it once for each message read from the connection, in order (false: the
// tap has seen no further message, which means the stamps and the messages
// no longer line up).
func (s *stampedConn) takeMessage() (messageStamp, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.messages) == 0 {
		return messageStamp{}, false
	}
	m := s.messages[0]
	s.messages = s.messages[1:]
	if len(s.messages) == 0 {
		s.messages = nil // let the backing array go
	}
	return m, true
}

// skipStamp takes the stamp of a message read during the handshake (a
// welcome, Socket.IO's open packets) from the stamped connection in ctx, if
// any, so that the receiver's messages line up with their stamps.
func skipStamp(ctx context.Context) {
	if h, _ := ctx.Value(stampHolderKey{}).(*stampHolder); h != nil && h.conn != nil {
		h.conn.takeMessage()
	}
}

// timestampNS finds SCM_TIMESTAMPNS in a recvmsg's control data (0: none).
func timestampNS(oob []byte) int64 {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SCM_TIMESTAMPNS &&
			len(m.Data) >= int(unsafe.Sizeof(syscall.Timespec{})) {
			ts := (*syscall.Timespec)(unsafe.Pointer(&m.Data[0]))
			return ts.Nano()
		}
	}
	return 0
}
