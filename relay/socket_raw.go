//go:build linux

package relay

// Reading and writing a member's socket without the Go scheduler's syscall
// bookkeeping.
//
// net.Conn's Read and Write go through syscall.Syscall, which tells the
// runtime the goroutine is in a syscall. The first such call after the
// relay was idle wakes the runtime's sysmon thread from its deep sleep,
// and a woken sysmon polls every 20 µs for the next millisecond and more,
// ready to take Ps away from long syscalls. At a low load every message
// comes after a quiet spell, so every fan-out paid for that: at 26 msg/s
// × 1004 members, about 450 sysmon sleeps a second, a context switch each;
// read and written raw, the relay made 4 a second and used a quarter less
// CPU (BENCHMARKS.md, "Low load, per-frame cost").
//
// The socket is non-blocking (Go's netpoller owns it), so read(2) and
// write(2) never wait for the peer: they copy what there is room or data
// for, or fail with EAGAIN. Made with RawSyscall they are a few
// microseconds of CPU like any other Go code. When they would block,
// syscall.RawConn parks the goroutine in the netpoller exactly as net.Conn
// does, so a peer that does not read still parks its writer (the pool's
// watch replaces it, and ends the member after WriteTimeout), Close still
// wakes a parked read or write with an error, and deadlines still apply.

import (
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"
)

// rawIO is one read or write through a RawConn. Its method values are
// built once per pooled rawIO, so that a read or write allocates nothing.
type rawIO struct {
	p     []byte
	n     int
	err   error
	again bool // read only: nothing to read yet
	read  func(fd uintptr) bool
	write func(fd uintptr) bool
}

var rawIOs = sync.Pool{New: func() any {
	r := new(rawIO)
	r.read, r.write = r.readOnce, r.writeAll
	return r
}}

func getRawIO(p []byte) *rawIO {
	r := rawIOs.Get().(*rawIO)
	r.p, r.n, r.err, r.again = p, 0, nil, false
	return r
}

func (r *rawIO) put() {
	r.p, r.err = nil, nil // keep neither the buffer nor the error alive
	rawIOs.Put(r)
}

// writeAll writes what is left of r.p to fd; false asks RawConn.Write to
// wait until the socket has room and call again.
func (r *rawIO) writeAll(fd uintptr) bool {
	for len(r.p) > 0 {
		n, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&r.p[0])), uintptr(len(r.p)))
		switch errno {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		default:
			r.err = os.NewSyscallError("write", errno)
			return true
		}
		r.n += int(n)
		r.p = r.p[n:]
	}
	return true
}

// readOnce reads into r.p once. With nothing to read it returns at once
// with again set, so that the caller can give r back before it waits: an
// idle member's reader waits there, and must not hold a rawIO meanwhile.
func (r *rawIO) readOnce(fd uintptr) bool {
	for {
		n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&r.p[0])), uintptr(len(r.p)))
		switch errno {
		case 0:
			r.n = int(n)
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			r.again = true
		default:
			r.err = os.NewSyscallError("read", errno)
		}
		return true
	}
}

// waitReadable returns true once fd has data or its peer has closed: it
// peeks, and false makes RawConn.Read wait in the netpoller. Stateless, so
// a parked reader holds nothing of ours.
func waitReadable(fd uintptr) bool {
	var b byte
	_, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b)), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	return errno != syscall.EAGAIN && errno != syscall.EINTR
}

// writeRaw writes p to the socket behind rc, all of it or until an error,
// like net.Conn.Write.
func writeRaw(rc syscall.RawConn, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r := getRawIO(p)
	err := rc.Write(r.write)
	n := r.n
	if err == nil {
		err = r.err
	}
	r.put()
	if err != nil {
		return n, &net.OpError{Op: "write", Err: err}
	}
	return n, nil
}

// readRaw reads into p from the socket behind rc, like net.Conn.Read:
// it waits for data, and returns io.EOF once the peer has closed.
func readRaw(rc syscall.RawConn, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		r := getRawIO(p)
		err := rc.Read(r.read)
		n, again := r.n, r.again
		if err == nil {
			err = r.err
		}
		r.put()
		switch {
		case err != nil:
			return 0, &net.OpError{Op: "read", Err: err}
		case n > 0:
			return n, nil
		case !again:
			return 0, io.EOF
		}
		if err := rc.Read(waitReadable); err != nil {
			return 0, &net.OpError{Op: "read", Err: err}
		}
	}
}

// rawConnOf returns the RawConn of a TCP or Unix socket, nil for anything
// else (a TLS connection, a net.Pipe), which keeps net.Conn's Read and
// Write.
//
// Nil too with a single P. What reads a message that arrives while the
// pool writes is the thread the pool leaves its P to, waiting in the
// netpoller (writer_pool.go). With one P there is none, and the pool's
// worker has it; until now the network was then polled by the thread
// that took the P over from a write's syscall, which raw writes never
// give up, so a message could wait for sysmon's poll, every 10 ms or more.
// The relay binary avoids the case: it runs at least 2 Ps by default, on
// one CPU too (-min-procs, relay/cmd/relay/procs.go).
func rawConnOf(c net.Conn) syscall.RawConn {
	if runtime.GOMAXPROCS(0) < 2 {
		return nil
	}
	return socketRawConn(c)
}

// socketRawConn returns the RawConn of a TCP or Unix socket, nil for
// anything else.
func socketRawConn(c net.Conn) syscall.RawConn {
	if _, ok := c.(*net.TCPConn); !ok {
		if _, ok := c.(*net.UnixConn); !ok {
			return nil
		}
	}
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}
