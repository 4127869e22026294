//go:build !linux

package relay

import (
	"net"
	"syscall"
)

// Outside Linux a member's socket keeps net.Conn's Read and Write
// (socket_raw.go says what Linux gains).

func rawConnOf(net.Conn) syscall.RawConn { return nil }

func readRaw(syscall.RawConn, []byte) (int, error)  { panic("relay: no raw socket I/O here") }
func writeRaw(syscall.RawConn, []byte) (int, error) { panic("relay: no raw socket I/O here") }
