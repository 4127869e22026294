//go:build linux

package main

import (
	"context"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// stampedConn is a TCP connection whose reads also return the kernel's
// receive timestamp (SO_TIMESTAMPNS): the time the data was queued on the
// socket. On loopback that is the moment the server's write reached this
// socket, so "handled − stamp" is how long the data waited for this tool to
// read it — the load generator's receive lag, apart from the server's time.
// The kernel turns stamping on a moment after the first socket asks (from a
// work queue), so the first reads of a run may come unstamped; those are not
// counted.
type stampedConn struct {
	*net.TCPConn
	raw syscall.RawConn
	// lastNS is the receive time of the newest data read, UnixNano (0: none
	// yet). TCP reports the timestamp of the last segment a read copied.
	lastNS atomic.Int64
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
	if ns := timestampNS(oob[:oobn]); ns > 0 {
		s.lastNS.Store(ns)
	}
	return n, nil
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
