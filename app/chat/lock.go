package chat

import "context"

// Exactly once across tabs. Every tab of a room queues into the one stored
// outbox (outbox.go) and every tab is connected, but only one sends it: the
// tab whose connection holds the room's OutboxLock. In the browser that is a
// Web Lock (navigator.locks, WebLock): one owner at a time per origin and
// name, granted in request order, released by the browser when its tab
// closes or crashes. A connection asks for the lock once it is open and gives
// it back when it ends, so whichever tab reconnects first sends everything
// queued in any tab, and the next one takes over only when that link is
// gone. One owner per room, rather than a lock per message, keeps the order
// of the outbox. A message written by an owner that then lost its link may
// be written again by the next owner with the same id; the relay
// deduplicates by (cid, id) (chat.v1), so it is still published once.

// OutboxLock acquires the lock on a room's outbox for one connection,
// blocking until it is granted or ctx ends; release gives it back.
type OutboxLock func(ctx context.Context) (release func(), err error)

// acquireOutboxLock makes session s the sender of the outbox once it holds
// the OutboxLock (without one, runSession makes it the sender at once).
func (c *Client) acquireOutboxLock(ctx context.Context, s *session) {
	release, err := c.outboxLock(ctx)
	if err != nil {
		return // the connection ended while waiting
	}
	c.mu.Lock()
	if s.ended {
		c.mu.Unlock()
		release()
		return
	}
	s.owner = true
	s.releaseLock = release
	s.wakeWriter()
	c.mu.Unlock()
}
