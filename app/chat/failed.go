package chat

import "errors"

// A message the relay refuses for good would, resent on every connection,
// cost a reconnect each time (1009 closes the link) and, sent in order,
// hold back every later message. So it is marked failed instead: it stays in
// the outbox with its reason, is skipped by the writer, and waits for the
// person to retry (say, after the relay's limit grew) or delete it.
//
// Refused for good means: larger than the current relay's max_message (known
// from its welcome, checked before writing), the relay closed with 1009
// after we wrote it, or an error frame naming it with a code other than the
// transient rate_limited and unavailable.

// Reasons shown with a failed message.
const (
	failedTooBigClose = "the relay refused it as too large"
	failedRefusedBy   = "the relay refused it: "
)

// ErrNoSuchMessage: Retry or Delete named no failed message of the outbox.
var ErrNoSuchMessage = errors.New("no such failed message")

// failLocked marks e as refused for good and persists that.
func (c *Client) failLocked(e *outboxEntry, reason string) {
	e.Failed = reason
	e.status = StatusFailed
	e.gen++ // a late "written" of the refused write must not mark it sent
	c.changeOutboxLocked(setFailed(e.ID, reason))
}

// closedTooBigLocked handles a close 1009 of session s: the relay refused
// the frame that was over its limit and published nothing of it. That is the
// largest of the messages written on s and not yet echoed (the others were
// accepted or are unknown: resending them is safe, the relay deduplicates).
func (c *Client) closedTooBigLocked(s *session) {
	var largest *outboxEntry
	size := 0
	for _, e := range c.outbox {
		if e.sentOn != s || e.Failed != "" {
			continue
		}
		if n := c.payload.pubSize(e.ID, e.body()); n > size {
			largest, size = e, n
		}
	}
	if largest != nil {
		c.failLocked(largest, failedTooBigClose)
	}
}

// Retry sends a failed message again (the line's Key). If it is still too
// large for the relay it fails again at once.
func (c *Client) Retry(key string) error { return c.resolveFailed(key, true) }

// Delete removes a failed message (the line's Key) from the outbox.
func (c *Client) Delete(key string) error { return c.resolveFailed(key, false) }

func (c *Client) resolveFailed(key string, retry bool) error {
	c.mu.Lock()
	e := c.failedEntryLocked(key)
	if e == nil {
		c.mu.Unlock()
		return ErrNoSuchMessage
	}
	if retry {
		e.Failed = ""
		e.status = StatusPending
		c.changeOutboxLocked(setFailed(e.ID, ""))
		if c.sess != nil {
			c.sess.wakeWriter()
		}
	} else {
		c.changeOutboxLocked(removeEntry(e.ID))
	}
	c.mu.Unlock()
	c.signal()
	return nil
}

func (c *Client) failedEntryLocked(key string) *outboxEntry {
	for _, e := range c.outbox {
		if e.Failed != "" && messageKey(c.cid, e.ID) == key {
			return e
		}
	}
	return nil
}
