//go:build linux

package main

import (
	"context"
	"net"
	"testing"
	"time"
)

// TestStampedConn_KeepsTheKernelsReceiveTime: data that waits on the socket
// before it is read shows that wait as its receive lag, and the stamp is
// when the peer's write arrived, not when it was read.
func TestStampedConn_KeepsTheKernelsReceiveTime(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
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
	defer c.Close()
	if holder.conn == nil || holder.conn != c {
		t.Fatalf("holder got %v, want the dialed connection %v", holder.conn, c)
	}
	peer := <-accepted
	if peer == nil {
		t.Fatal("accept failed")
	}
	defer peer.Close()

	// The kernel turns receive timestamps on for the first socket that asks
	// from a work queue, a moment later (net_enable_timestamp): exchange
	// bytes until one comes back stamped.
	buf := make([]byte, 64)
	for deadline := time.Now().Add(5 * time.Second); holder.conn.lastNS.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no receive timestamp within 5 s")
		}
		if _, err := peer.Write([]byte("w")); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Read(buf); err != nil {
			t.Fatal(err)
		}
	}

	const wait = 30 * time.Millisecond
	beforeWrite := time.Now()
	if _, err := peer.Write([]byte("payload")); err != nil {
		t.Fatal(err)
	}
	afterWrite := time.Now()
	time.Sleep(wait) // the data waits on the socket: that is the lag to measure
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "payload" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	read := time.Now()
	stamp := time.Unix(0, holder.conn.lastNS.Load())
	if stamp.Before(beforeWrite.Add(-time.Millisecond)) || stamp.After(afterWrite.Add(time.Millisecond)) {
		t.Fatalf("stamp %v, want the write's time (between %v and %v)", stamp, beforeWrite, afterWrite)
	}
	if lag := read.Sub(stamp); lag < wait {
		t.Fatalf("receive lag %v, want at least the %v the data waited", lag, wait)
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
