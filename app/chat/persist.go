package chat

import (
	"fmt"
	"time"
)

// History is written to the Store at once when it changes after a quiet
// period, so that a single message is on disk right away, and at most once
// per DefaultPersistDelay during a burst, so that 100 messages/s do not
// rewrite the 500-message history 100 times a second. Flush writes what is
// pending when the page goes away: a timer would not fire after that.

// Flush synchronously writes the pending history and read mark and a
// previously failed outbox write to the Store, and has a store whose writes finish later keep
// the unfinished ones across an unload (UnconfirmedSaver). Call it when the
// page is hidden or unloaded (pagehide, visibilitychange to hidden); it is
// safe from any goroutine and does no network work.
func (c *Client) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.flushLocked()
	if saver, ok := c.store.(UnconfirmedSaver); ok {
		saver.SaveUnconfirmed()
	}
	return err
}

func (c *Client) flushLocked() error {
	c.verifyAllLocked() // only verdicts are written (private_verify.go)
	if c.stopPersist != nil {
		c.stopPersist()
		c.stopPersist = nil
	}
	if c.stopReadPersist != nil {
		c.stopReadPersist()
		c.stopReadPersist = nil
	}
	var readErr error
	if err := c.persistReadLocked(); err != nil {
		readErr = fmt.Errorf("save read mark: %w", err)
	}
	historyErr := c.persistHistoryLocked()
	var outboxErr error
	if len(c.outboxChanges) > 0 {
		if err := c.syncOutboxLocked(); err != nil {
			outboxErr = fmt.Errorf("save outbox: %w", err)
		}
	}
	if historyErr != nil {
		return historyErr
	}
	if outboxErr != nil {
		return outboxErr
	}
	return readErr
}

// markHistoryDirty notes that history changed. The write is decided by
// persistHistorySoonLocked once the whole change is applied: writing in the
// middle of one (the seq advanced, the message not yet appended) could
// persist a since= that skips a message.
func (c *Client) markHistoryDirty() { c.historyDirty = true }

// persistHistorySoonLocked writes dirty history at once when the last write
// is at least DefaultPersistDelay old, and otherwise schedules one write for
// when that delay is over.
func (c *Client) persistHistorySoonLocked() {
	if !c.historyDirty || c.stopPersist != nil {
		return
	}
	wait := c.lastPersist.Add(DefaultPersistDelay).Sub(c.clock.Now())
	if c.lastPersist.IsZero() || wait <= 0 {
		_ = c.persistHistoryLocked() // a failure is retried with the next change or Flush
		return
	}
	c.persistHistoryAfterLocked(wait)
}

// persistHistoryAfterLocked writes dirty history in wait, unless a write is
// already scheduled.
func (c *Client) persistHistoryAfterLocked(wait time.Duration) {
	if !c.historyDirty || c.stopPersist != nil {
		return
	}
	c.stopPersist = c.clock.AfterFunc(wait, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.stopPersist = nil
		_ = c.persistHistoryLocked()
	})
}

// persistHistoryLocked writes the history if it changed since the last write.
func (c *Client) persistHistoryLocked() error {
	if !c.historyDirty || len(c.verifying.byKey) > 0 {
		return nil // while messages are verifying, the write waits for their verdicts (private_verify.go)
	}
	c.lastPersist = c.clock.Now()
	// A read-modify-write: other tabs of the room write it too.
	merged := storedHistory{Seq: c.lastSeq, Epoch: c.epoch, Messages: c.history}
	stored, others := c.othersHistoryLocked()
	if others {
		merged = mergeHistory(stored, merged)
	}
	err := c.saveHistoryLocked(merged)
	if others {
		c.adoptHistoryLocked(merged)
	}
	if err != nil {
		// saveHistoryLocked already removed what it could; the history stays
		// dirty so that the next change or Flush tries again.
		return fmt.Errorf("save history: %w", err)
	}
	c.historyDirty = false
	return nil
}
