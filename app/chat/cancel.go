package chat

import "errors"

// ErrAlreadySent: Cancel named a message this page has written to the
// relay; it may be published already, and only deleting it once it shows
// takes it back.
var ErrAlreadySent = errors.New("already sent: delete it once it shows")

// Cancel takes a queued message (the line's Key) back before it is sent:
// typically one written offline. A message this page has written to the
// relay cannot be cancelled (ErrAlreadySent), nor can one already delivered
// (ErrNoSuchMessage). One written by an earlier page whose echo never came
// (the link died, the page reloaded) is not known as written here: if the
// relay did publish it, its replay shows it as delivered after all.
func (c *Client) Cancel(key string) error {
	c.mu.Lock()
	for _, e := range c.outbox {
		if messageKey(c.cid, e.ID) != key {
			continue
		}
		if e.sentOn != nil || e.status == StatusSent {
			c.mu.Unlock()
			return ErrAlreadySent
		}
		e.delivered = true // a late "written" must not mark it sent
		c.changeOutboxLocked(removeEntry(e.ID))
		c.mu.Unlock()
		c.signal()
		return nil
	}
	c.mu.Unlock()
	return ErrNoSuchMessage
}
