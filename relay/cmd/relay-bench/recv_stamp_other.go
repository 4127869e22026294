//go:build !linux

package main

import (
	"context"
	"net"
)

// stampedConn has no receive timestamps off Linux: takeMessage has none,
// and neither the receive lag nor the latency to the socket is measured.
type stampedConn struct {
	net.Conn
}

func (s *stampedConn) takeMessage() (messageStamp, bool) { return messageStamp{}, false }

func skipStamp(ctx context.Context) {}

type stampHolder struct{ conn *stampedConn }

type stampHolderKey struct{}

func stampedDial(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return dial
}
