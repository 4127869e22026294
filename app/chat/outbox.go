package chat

import (
	"encoding/json"
	"time"
)

// The stored outbox of a room is shared by every tab and window of the app
// that has the room open. So no tab ever writes its own copy of it: each
// change (a new message, one delivered, one failed, retried or deleted) is a
// read-modify-write of just that entry on what is stored now, and the result
// becomes the tab's outbox, entries queued by other tabs included. A change
// the store refused (quota) stays queued in memory, is applied again with
// every later change and by Flush, and its message stays on screen: a queued
// message is never lost to a full store while the page lives.
//
// Which tab sends the shared outbox is decided by Options.OutboxLock (see
// lock.go).

// outboxKeyPrefix starts the Store key of every room's outbox.
const outboxKeyPrefix = "chat.outbox."

// outboxKey is the Store key of a room's unsent messages.
func outboxKey(room string) string { return outboxKeyPrefix + room }

// outboxEntry is one message I composed that the relay has not echoed yet.
// It keeps its id across reconnects and reloads: the relay deduplicates by
// (cid, id), which makes resending exactly-once.
type outboxEntry struct {
	_ noCompare

	ID   string `json:"id"`
	Text string `json:"text"`
	Nick string `json:"nick"`
	Time int64  `json:"time"` // local clock, Unix ms
	// Ref makes it a reply, reaction, edit or delete (refs.go).
	Ref *refData `json:"ref,omitempty"`
	// Failed is why the relay refused it for good; not "" means StatusFailed,
	// persisted so that a reload does not send it into the same refusal.
	Failed string `json:"failed,omitempty"`

	status    Status   // StatusPending, StatusSent (on the current connection) or StatusFailed
	sentOn    *session // the connection it was last picked to be written on
	delivered bool     // left the outbox (echo, Delete, another tab): a late "written" is ignored
	gen       int      // bumped when the relay refused a write, so a late "written" is ignored
}

// unsent sets the status an entry has before anything is written on a
// connection: pending, or failed when the relay refused it for good.
func (e *outboxEntry) unsent() {
	e.status = StatusPending
	if e.Failed != "" {
		e.status = StatusFailed
	}
}

// outboxChange is one change of the stored outbox, applied to what is
// stored at the time of writing.
type outboxChange func(stored []*outboxEntry) []*outboxEntry

// addEntry appends a copy of e's persisted fields unless its id is stored.
func addEntry(e *outboxEntry) outboxChange {
	stored := outboxEntry{ID: e.ID, Text: e.Text, Nick: e.Nick, Time: e.Time, Ref: e.Ref, Failed: e.Failed}
	return func(entries []*outboxEntry) []*outboxEntry {
		if outboxIndex(entries, stored.ID) >= 0 {
			return entries
		}
		e := stored
		return append(entries, &e)
	}
}

// removeEntry removes the entry with id, if stored.
func removeEntry(id string) outboxChange {
	return func(entries []*outboxEntry) []*outboxEntry {
		if i := outboxIndex(entries, id); i >= 0 {
			return append(entries[:i], entries[i+1:]...)
		}
		return entries
	}
}

// outboxIndex is where the entry with id is in entries, -1 if nowhere; nil
// entries (from a damaged store) are skipped. A loop rather than
// slices.IndexFunc and friends: each generic instance on a type of ours
// adds its own code to app.wasm (BENCHMARKS.md, "app.wasm size").
func outboxIndex(entries []*outboxEntry, id string) int {
	for i, e := range entries {
		if e != nil && e.ID == id {
			return i
		}
	}
	return -1
}

// setFailed sets (or, with "", clears) the failure of the entry with id.
func setFailed(id, reason string) outboxChange {
	return func(entries []*outboxEntry) []*outboxEntry {
		for _, o := range entries {
			if o.ID == id {
				o.Failed = reason
			}
		}
		return entries
	}
}

// changeOutboxLocked applies change to the stored outbox and to this tab's.
// On a store error the change stays queued (see syncOutboxLocked).
func (c *Client) changeOutboxLocked(change outboxChange) {
	c.outboxChanges = append(c.outboxChanges, change)
	_ = c.syncOutboxLocked() // a refused write is retried with the next change or Flush
}

// syncOutboxLocked reads the stored outbox, applies this tab's changes not
// yet written, writes the result if there were any, and makes it this tab's
// outbox (adopting other tabs' entries, dropping the ones they removed).
func (c *Client) syncOutboxLocked() error {
	entries := loadOutbox(c.store, c.room)
	for _, e := range entries {
		if c.echoedLocked(e.ID) {
			c.outboxChanges = append(c.outboxChanges, removeEntry(e.ID))
		}
	}
	for _, change := range c.outboxChanges {
		entries = change(entries)
	}
	var err error
	if len(c.outboxChanges) > 0 {
		err = c.writeLocked(func() error { return saveOutbox(c.store, c.room, entries) })
		if err == nil {
			c.outboxChanges = nil
		}
	}
	c.adoptOutboxLocked(entries)
	return err
}

// echoedLocked reports whether my message id is in this tab's history, sent
// by me: its echo came, to this tab or to another that stored it, so it is
// delivered even if the stored outbox still lists it. That happens when two
// tabs change the outbox at once (store_cached.go): the tab whose change was
// based on the outbox before the other removed a delivered entry writes the
// entry back. Adopted again, the message would show twice, as its echo and
// as a pending line, until a resend's echo removed it.
func (c *Client) echoedLocked(id string) bool {
	key := messageKey(c.cid, id)
	if _, seen := c.seen[key]; !seen {
		return false
	}
	for i := len(c.history) - 1; i >= 0; i-- {
		if m := c.history[i]; m.key() == key {
			// In a private room my cid alone proves nothing: only my
			// signature makes the message mine (frames.go).
			return m.Signer == c.signer && m.Flag == ""
		}
	}
	return false
}

// dropEchoedLocked leaves out of this tab's outbox what echoedLocked says
// is delivered.
func (c *Client) dropEchoedLocked() {
	kept := c.outbox[:0]
	for _, e := range c.outbox {
		if !c.echoedLocked(e.ID) {
			kept = append(kept, e)
		}
	}
	c.outbox = kept
}

// adoptOutboxLocked makes entries the outbox, keeping the connection state
// of entries already known.
func (c *Client) adoptOutboxLocked(entries []*outboxEntry) {
	known := make(map[string]*outboxEntry, len(c.outbox))
	for _, e := range c.outbox {
		known[e.ID] = e
	}
	outbox := make([]*outboxEntry, 0, len(entries))
	wake := false
	for _, stored := range entries {
		e := known[stored.ID]
		delete(known, stored.ID)
		switch {
		case e == nil:
			e = stored
			e.unsent()
			wake = wake || e.status == StatusPending
		case e.Failed != stored.Failed:
			e.Failed = stored.Failed
			e.gen++
			e.unsent()
			wake = wake || e.status == StatusPending
		}
		outbox = append(outbox, e)
	}
	for _, gone := range known {
		gone.delivered = true
	}
	c.outbox = outbox
	if wake && c.sess != nil {
		c.sess.wakeWriter()
	}
}

func loadOutbox(s Store, room string) []*outboxEntry {
	var entries []*outboxEntry
	raw, ok := s.Get(outboxKey(room))
	if !ok || json.Unmarshal([]byte(raw), &entries) != nil {
		return nil
	}
	valid := entries[:0]
	for _, e := range entries {
		if e != nil && e.ID != "" {
			e.unsent()
			valid = append(valid, e)
		}
	}
	return valid
}

func saveOutbox(s Store, room string, entries []*outboxEntry) error {
	if len(entries) == 0 {
		s.Delete(outboxKey(room))
		return nil
	}
	raw, err := json.Marshal(entries)
	if err != nil {
		return err
	}
	return s.Set(outboxKey(room), string(raw))
}

// body is what the entry publishes.
func (e *outboxEntry) body() messageData { return messageData{Nick: e.Nick, Text: e.Text, Ref: e.Ref} }

func (e *outboxEntry) line(myCID string) Line {
	return Line{
		Kind:    LineMessage,
		Key:     messageKey(myCID, e.ID),
		Nick:    e.Nick,
		Text:    e.Text,
		Time:    time.UnixMilli(e.Time),
		Mine:    true,
		Status:  e.status,
		Failure: e.Failed,
	}
}
