//go:build !linux

package main

import (
	"context"
	"net"
	"sync/atomic"
)

// stampedConn has no receive timestamps off Linux: lastNS stays 0 and the
// receive lag is not measured.
type stampedConn struct {
	net.Conn
	lastNS atomic.Int64
}

type stampHolder struct{ conn *stampedConn }

type stampHolderKey struct{}

func stampedDial(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return dial
}
