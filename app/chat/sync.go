package chat

import "strings"

// Tabs and windows of the app share one Store. Each writes only what it
// changed (outbox.go, mergeHistory, UpdatePrefs) and tells the others, which
// re-read what changed and update their view: in the browser the storage
// event of localStorage does the telling (app/ui calls StoreChanged).

// StoreChanged re-reads the room's outbox, history and read mark after
// another tab changed key ("" means anything may have changed, as after
// localStorage.clear()), and the prefs after PrefsKey changed (in this tab
// too: the UI calls it after changing them). Keys of other rooms are ignored.
func (c *Client) StoreChanged(key string) {
	c.mu.Lock()
	changed := false
	if key == "" || key == outboxKey(c.room) {
		_ = c.syncOutboxLocked() // a refused write stays queued for Flush
		changed = true
	}
	if key == "" || key == historyKey(c.room) {
		if stored, ok := c.othersHistoryLocked(); ok {
			c.adoptHistoryLocked(mergeHistory(stored, storedHistory{Seq: c.lastSeq, Epoch: c.epoch, Messages: c.history}))
			changed = true
		}
	}
	if key == "" || key == readMarkKey(c.room) {
		c.readMarkChangedLocked()
		changed = true
	}
	if key == "" || key == PrefsKey {
		c.prefsChangedLocked()
	}
	c.mu.Unlock()
	if changed {
		c.signal()
	}
}

// IsStoreKey reports whether key is one this app keeps in the Store, so that
// the UI ignores storage events of other code on the same origin.
func IsStoreKey(key string) bool { return key == "" || strings.HasPrefix(key, "chat.") }

// adoptHistoryLocked takes merged (mine plus what other tabs stored) as the
// history: messages new to this tab join the timeline, and within the same
// seq epoch a larger seq resumes after them.
func (c *Client) adoptHistoryLocked(merged storedHistory) {
	if merged.Epoch == c.epoch && merged.Seq > c.lastSeq {
		c.lastSeq = merged.Seq
	}
	added := false
	for _, m := range merged.Messages {
		if _, dup := c.seen[m.key()]; dup {
			continue
		}
		c.noteSignerLocked(m)
		c.appendLinesLocked(m)
		added = true
	}
	if !added {
		return
	}
	c.history = merged.Messages
	c.threads = threadsOf(c.history)
	c.unreadStale = true
	c.seen = make(map[string]struct{}, len(c.history))
	for _, m := range c.history {
		c.seen[m.key()] = struct{}{}
	}
	c.trimTimeline()
	// Another tab stored the echo of a message this tab still lists as
	// queued: it is delivered, and one sync drops every such entry.
	for _, e := range c.outbox {
		if c.echoedLocked(e.ID) {
			_ = c.syncOutboxLocked() // a refused write stays queued for Flush
			break
		}
	}
}
