//go:build !js

package e2e

import (
	"bufio"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// link is one person's network path to the relay: a TCP forwarder on its own
// loopback port. A browser that opens the chat through link.URL() loads the
// site and dials /ws through it (the page's origin is the link, and the relay
// sees the same Host and Origin, so its same-origin check holds), which lets a
// test cut that person's connection — and only theirs — the way a train
// tunnel does, freeze it so that packets vanish without any close (only
// keepalive can notice), hold their WebSocket handshakes so that the page has
// to start without the network, and see their dial attempts; it can also
// hold back only the relay's answers, and rewrite the resume point of the
// next handshakes.
type link struct {
	t        *testing.T
	ln       net.Listener
	upstream string // the relay's host:port

	mu         sync.Mutex
	cut        bool                  // refuse everything: close every new connection at once
	holdWS     chan struct{}         // non-nil: WebSocket handshakes wait until it is closed
	frozen     chan struct{}         // non-nil: no byte moves until it is closed
	replies    chan struct{}         // non-nil: no byte moves to the browser until it is closed
	resumeFrom string                // non-empty: handshakes go upstream with since= this
	conns      map[net.Conn]struct{} // open connections, both ends, to close on a cut
	handshakes []string              // request lines of the /ws handshakes seen, held or not
	closed     bool
	done       chan struct{} // closed by close: releases every wait

	wg sync.WaitGroup
}

// wsRequestPrefix is how a chat.v1 handshake starts on the wire; the path is
// the contract's /ws.
const wsRequestPrefix = "GET /ws"

// newLink listens on a free loopback port and forwards to upstream until the
// test ends.
func newLink(t *testing.T, upstream string) *link {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("link: listen: %v", err)
	}
	l := &link{t: t, ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}, done: make(chan struct{})}
	l.wg.Add(1)
	go l.acceptLoop()
	t.Cleanup(l.close)
	return l
}

// URL is the origin a browser uses to reach the relay through this link.
func (l *link) URL() string { return "http://" + l.ln.Addr().String() }

// Cut drops every open connection and refuses new ones until Restore.
func (l *link) Cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = true
	for c := range l.conns {
		c.Close()
	}
}

// Restore lets connections through again after Cut.
func (l *link) Restore() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = false
}

// HoldWebSockets makes new /ws handshakes wait (the page and its files still
// load) until ReleaseWebSockets: the network "has not answered yet".
func (l *link) HoldWebSockets() { l.hold(&l.holdWS) }

// ReleaseWebSockets forwards the held handshakes and stops holding.
func (l *link) ReleaseWebSockets() { l.release(&l.holdWS) }

// Freeze stops every byte in both directions while keeping the connections
// open: the peer vanishes silently, as behind a dead NAT, until Thaw.
func (l *link) Freeze() { l.hold(&l.frozen) }

// Thaw lets the bytes held by Freeze go on.
func (l *link) Thaw() { l.release(&l.frozen) }

// FreezeReplies holds every byte from the relay to the browser, while the
// browser's bytes still reach the relay: what the page sends arrives, and
// no answer comes back, until ThawReplies (or a Cut, which drops them).
func (l *link) FreezeReplies() { l.hold(&l.replies) }

// ThawReplies lets the relay's held bytes go on; after a Cut they have
// nowhere to go and are dropped.
func (l *link) ThawReplies() { l.release(&l.replies) }

// hold closes one of the link's gates: whoever waits on it (a handshake, a
// copy) waits until release.
func (l *link) hold(gate *chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if *gate == nil {
		*gate = make(chan struct{})
	}
}

// release opens a gate closed by hold, letting everything held go on.
func (l *link) release(gate *chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if *gate != nil {
		close(*gate)
		*gate = nil
	}
}

// ResumeFrom makes every later /ws handshake reach the relay with
// since=seq instead of the page's own resume point: the relay then replays
// nothing up to seq. Handshakes records what the page sent.
func (l *link) ResumeFrom(seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.resumeFrom = strconv.FormatUint(seq, 10)
}

// sinceParam is the since= parameter of a handshake's request line.
var sinceParam = regexp.MustCompile(`([?&])since=[0-9]*`)

// Handshakes returns the request lines of the /ws handshakes the browser
// started so far ("GET /ws?room=…&since=… HTTP/1.1").
func (l *link) Handshakes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.handshakes...)
}

func (l *link) close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	close(l.done)
	l.cut = true
	for c := range l.conns {
		c.Close()
	}
	if l.holdWS != nil {
		close(l.holdWS)
		l.holdWS = nil
	}
	l.mu.Unlock()
	l.ln.Close()
	l.wg.Wait()
}

func (l *link) acceptLoop() {
	defer l.wg.Done()
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			return // closed
		}
		if !l.track(conn) {
			conn.Close()
			continue
		}
		l.wg.Add(1)
		go l.serve(conn)
	}
}

// track registers an open connection; it refuses (false) while cut.
func (l *link) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut || l.closed {
		return false
	}
	l.conns[c] = struct{}{}
	return true
}

func (l *link) untrack(c net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.conns, c)
}

// serve forwards one browser connection, holding it first when it is a
// WebSocket handshake and handshakes are held.
func (l *link) serve(client net.Conn) {
	defer l.wg.Done()
	defer l.untrack(client)
	defer client.Close()

	reader := bufio.NewReader(client)
	head, err := reader.Peek(len(wsRequestPrefix))
	if err != nil {
		return // the browser closed a speculative connection without a request
	}
	resumeFrom := ""
	if string(head) == wsRequestPrefix {
		line, err := reader.Peek(min(reader.Buffered(), 4096))
		if err != nil {
			return
		}
		if i := strings.IndexByte(string(line), '\r'); i >= 0 {
			line = line[:i]
		}
		l.mu.Lock()
		l.handshakes = append(l.handshakes, string(line))
		hold := l.holdWS
		resumeFrom = l.resumeFrom
		l.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-l.done:
				return
			}
		}
	}

	upstream, err := net.DialTimeout("tcp", l.upstream, 5*time.Second)
	if err != nil {
		return // the relay is down: the browser sees a dropped connection
	}
	if !l.track(upstream) {
		upstream.Close()
		return
	}
	defer l.untrack(upstream)
	defer upstream.Close()
	if resumeFrom != "" {
		requestLine, err := reader.ReadString('\n')
		if err != nil {
			return
		}
		requestLine = sinceParam.ReplaceAllString(requestLine, "${1}since="+resumeFrom)
		if _, err := io.WriteString(upstream, requestLine); err != nil {
			return
		}
	}

	done := make(chan struct{}, 2)
	go func() {
		l.forward(upstream, reader, false)
		done <- struct{}{}
	}()
	go func() {
		l.forward(client, upstream, true)
		done <- struct{}{}
	}()
	<-done // one direction ended: end both, as a cut cable does
	client.Close()
	upstream.Close()
	<-done
}

// forward copies src to dst until either fails, holding each chunk while the
// link is frozen (or, toBrowser, while the replies are).
func (l *link) forward(dst io.Writer, src io.Reader, toBrowser bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			l.mu.Lock()
			holds := []chan struct{}{l.frozen}
			if toBrowser {
				holds = append(holds, l.replies)
			}
			l.mu.Unlock()
			for _, hold := range holds {
				if hold == nil {
					continue
				}
				select {
				case <-hold:
				case <-l.done:
					return
				}
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
