package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// Protocols the tool speaks.
const (
	// protoChat speaks chat.v1: connect with room and cid, wait for the
	// welcome, publish pub frames, count msg objects.
	protoChat = "chat"
	// protoRaw drives a plain broadcast server: every frame sent is a payload
	// and every frame received is one delivery.
	protoRaw = "raw"
)

// dialer opens connections spread over several loopback source addresses,
// so that more than one address's ~28000 ephemeral ports are available.
type dialer struct {
	proto    string
	bases    []*url.URL // connections go round-robin to each
	timeout  time.Duration
	clients  []*http.Client // one per source address
	next     atomic.Uint64
	nextBase atomic.Uint64
}

func newDialer(c *commonFlags) (*dialer, error) {
	d := &dialer{proto: c.proto, timeout: c.dialTimeout}
	for _, raw := range c.urls() {
		base, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("-url: %w", err)
		}
		d.bases = append(d.bases, base)
	}
	for i := range c.sources {
		source := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(i+1))}
		netDialer := &net.Dialer{LocalAddr: source, Timeout: c.dialTimeout}
		d.clients = append(d.clients, &http.Client{Transport: &http.Transport{
			DialContext: stampedDial(netDialer.DialContext),
			// Upgraded connections leave the pool; nothing to keep idle.
			DisableKeepAlives: true,
		}})
	}
	return d, nil
}

// url is the URL of one connection to base: chat connections name their
// room and cid, Socket.IO ones their room.
func (d *dialer) url(base *url.URL, room, cid string) string {
	switch d.proto {
	case protoSocketIO:
		return socketIOURL(base, room)
	case protoRaw:
		return base.String()
	}
	u := *base
	q := u.Query()
	q.Set("room", room)
	q.Set("cid", cid)
	u.RawQuery = q.Encode()
	return u.String()
}

// dial opens one connection. A chat connection is returned once its welcome
// has arrived, so the member is in the room. A *stampHolder in ctx (under
// stampHolderKey) gets the TCP connection, which keeps receive timestamps.
func (d *dialer) dial(ctx context.Context, room, cid string) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	client := d.clients[d.next.Add(1)%uint64(len(d.clients))]
	opts := &websocket.DialOptions{HTTPClient: client}
	if d.proto == protoChat {
		opts.Subprotocols = []string{wire.Subprotocol}
	}
	base := d.bases[(d.nextBase.Add(1)-1)%uint64(len(d.bases))]
	conn, resp, err := websocket.Dial(ctx, d.url(base, room, cid), opts)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			return nil, fmt.Errorf("dial: HTTP 429, the relay's per-address limits: start it with -max-conns-per-ip 0 -handshakes-per-ip 0: %w", err)
		}
		if resp != nil {
			return nil, fmt.Errorf("dial: HTTP %d: %w", resp.StatusCode, err)
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	// The relay may batch many objects (a welcome listing every peer) in one frame.
	conn.SetReadLimit(64 << 20)
	if d.proto == protoSocketIO {
		if err := socketIOConnect(ctx, conn); err != nil {
			_ = conn.CloseNow()
			return nil, err
		}
	}
	if d.proto == protoChat {
		_, frame, err := conn.Read(ctx)
		if err != nil {
			_ = conn.CloseNow()
			return nil, fmt.Errorf("wait for welcome: %w", err)
		}
		skipStamp(ctx)
		if !bytes.HasPrefix(frame, []byte(`{"type":"welcome"`)) {
			_ = conn.CloseNow()
			return nil, fmt.Errorf("first frame is not a welcome: %.80q", frame)
		}
	}
	if ctx.Err() != nil {
		// The handshake (or welcome) came as the dial timeout expired:
		// coder/websocket closes the connection on the read's context even
		// when the read itself got through, so the connection would die on
		// its next read and look dropped by the server (see bigroom's dial).
		_ = conn.CloseNow()
		return nil, fmt.Errorf("dial finished after the dial timeout (%v): %w", d.timeout, ctx.Err())
	}
	return conn, nil
}

// dialAll calls open(i) for i in [0, n) with at most concurrency calls at a
// time, and stops at the first error, which it returns.
func dialAll(ctx context.Context, n, concurrency int, open func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	slots := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i := 0; i < n && ctx.Err() == nil; i++ {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			if err := open(ctx, i); err != nil {
				cancel(fmt.Errorf("connection %d: %w", i, err))
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}
