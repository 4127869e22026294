package relay

// Corking a member's socket while a turn writes one frame larger than the
// hijacked write buffer (DefaultHijackWriteBuffer).
//
// coder/websocket writes a frame through that bufio.Writer: the header
// first, then the payload. When the two do not fit in its 512 bytes, bufio
// writes the full buffer and then the rest, two write syscalls for one
// frame. At low load a batch of four msgs is just over 512 bytes, and on
// loopback a write costs the sender the receiver's TCP processing too
// (BENCHMARKS.md, "Low load, where the wait was"). Corked, the two writes
// gather in a pooled buffer and go out as one; an idle connection keeps
// its small buffer.

// Write writes p to the connection, or gathers it while corked.
func (c *closeNotifyingConn) Write(p []byte) (int, error) {
	c.corkMu.Lock()
	if c.corked != nil {
		*c.corked = append(*c.corked, p...)
		c.corkMu.Unlock()
		return len(p), nil
	}
	c.corkMu.Unlock()
	return c.write(p)
}

// cork makes later writes gather in buf until uncork. Only the member's
// turn corks, around frames it writes whole: what else is written
// meanwhile (a keepalive ping, between two of its frames) is a whole
// frame too, and keeps its place in the stream.
func (c *closeNotifyingConn) cork(buf *[]byte) {
	c.corkMu.Lock()
	*buf = (*buf)[:0]
	c.corked = buf
	c.corkMu.Unlock()
}

// uncork writes what gathered since cork, in one write, and stops
// gathering. The lock is held during the write, so a frame written
// meanwhile by another goroutine waits, as it would for the turn's own
// write without corking, and cannot go out before what gathered.
func (c *closeNotifyingConn) uncork() error {
	c.corkMu.Lock()
	defer c.corkMu.Unlock()
	buf := c.corked
	c.corked = nil
	if buf == nil || len(*buf) == 0 {
		return nil
	}
	_, err := c.write(*buf)
	return err
}
