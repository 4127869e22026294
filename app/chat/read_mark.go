package chat

import (
	"encoding/json"
	"fmt"
	"time"
)

// A room's read mark (ReadMark) is where the person stopped reading it. Each
// Client keeps its room's mark in the Store under readMarkKey, so that it
// survives a reload and every tab and window shares it; the UI moves it with
// MarkRead once the person has seen the newest lines, and View counts what
// came after it (View.Unread, View.Mentions, View.FirstUnread).
//
// Tabs write the mark with a read-modify-write in which it only moves
// forward (by its line's time): a tab that read less never takes back what
// another one read. Writes are coalesced like history writes (persist.go):
// at once after a quiet period, at most once per DefaultPersistDelay while
// the person reads a flood, and by Flush when the page goes away.

// readMarkKeyPrefix starts the Store key of every room's read mark. The
// marks are small: the split store keeps them with the prefs, whose storage
// event tells other tabs (DurableKey).
const readMarkKeyPrefix = "chat.read."

// readMarkKey is the Store key of room's read mark.
func readMarkKey(room string) string { return readMarkKeyPrefix + room }

// storedReadMark is the persisted form of a ReadMark.
type storedReadMark struct {
	Key string `json:"key"`
	TS  int64  `json:"ts"` // the line's relay time, Unix ms
}

func loadReadMark(s Store, room string) (ReadMark, bool) {
	var m storedReadMark
	raw, ok := s.Get(readMarkKey(room))
	if !ok || json.Unmarshal([]byte(raw), &m) != nil || m.Key == "" {
		return ReadMark{}, false
	}
	return ReadMark{Key: m.Key, Time: time.UnixMilli(m.TS)}, true
}

// newerMark reports whether mark a is further on than b: its line is
// later. At the same millisecond a wins, so that a tab keeps the mark it
// just moved to the next line of that millisecond.
func newerMark(a, b ReadMark) bool { return !a.Time.Before(b.Time) && a != b }

// loadReadMarkLocked reads the room's mark when the Client is created. A
// room whose history was stored before read marks existed (none stored yet)
// starts read up to that history: the person had the room open when it was
// stored, and all of it showing as new once would be noise.
func (c *Client) loadReadMarkLocked() {
	if mark, ok := loadReadMark(c.store, c.room); ok {
		c.readMark = mark
		return
	}
	c.readMark = ReadUpTo(ReadMark{}, c.timeline)
}

// MarkRead moves the read mark to the newest delivered message line: the UI
// calls it when the person can see the newest lines (the page is visible
// and the list is at its bottom). It persists the mark (coalesced, see
// above) and, when the person allows it, tells the room (read_receipts.go).
// While the page is hidden (SetVisible(false)) it does nothing: a hidden
// page has not been read. Cheap enough to call on every View.
func (c *Client) MarkRead() {
	c.mu.Lock()
	if !c.visible {
		c.mu.Unlock()
		return
	}
	next := ReadUpTo(c.readMark, c.timeline)
	if next == c.readMark {
		c.mu.Unlock()
		return
	}
	c.readMark = next
	c.unreadStale = true
	c.readDirty = true
	c.persistReadSoonLocked()
	c.readMovedLocked()
	c.mu.Unlock()
	c.signal()
}

// persistReadSoonLocked writes a dirty mark at once when the last write is
// at least DefaultPersistDelay old, and otherwise schedules one write for
// when that delay is over.
func (c *Client) persistReadSoonLocked() {
	if !c.readDirty || c.stopReadPersist != nil {
		return
	}
	wait := c.lastReadPersist.Add(DefaultPersistDelay).Sub(c.clock.Now())
	if c.lastReadPersist.IsZero() || wait <= 0 {
		_ = c.persistReadLocked() // a failure is retried by the next MarkRead or Flush
		return
	}
	c.stopReadPersist = c.clock.AfterFunc(wait, func() {
		c.mu.Lock()
		c.stopReadPersist = nil
		stored := c.readMark
		_ = c.persistReadLocked()
		changed := c.readMark != stored
		c.mu.Unlock()
		if changed {
			c.signal()
		}
	})
}

// persistReadLocked writes the mark if it moved since the last write: a
// read-modify-write in which the stored mark wins when another tab moved
// it further (this tab then takes it).
func (c *Client) persistReadLocked() error {
	if !c.readDirty {
		return nil
	}
	c.lastReadPersist = c.clock.Now()
	if stored, ok := loadReadMark(c.store, c.room); ok && !newerMark(c.readMark, stored) {
		c.adoptReadMarkLocked(stored)
		c.readDirty = false
		return nil
	}
	raw, err := json.Marshal(storedReadMark{Key: c.readMark.Key, TS: c.readMark.Time.UnixMilli()})
	if err == nil {
		err = c.store.Set(readMarkKey(c.room), string(raw))
	}
	if err != nil {
		return fmt.Errorf("save read mark: %w", err)
	}
	c.readDirty = false
	return nil
}

// readMarkChangedLocked follows another tab's write of the mark.
func (c *Client) readMarkChangedLocked() {
	if stored, ok := loadReadMark(c.store, c.room); ok && newerMark(stored, c.readMark) {
		c.adoptReadMarkLocked(stored)
	}
}

func (c *Client) adoptReadMarkLocked(mark ReadMark) {
	if mark != c.readMark {
		c.readMark = mark
		c.unreadStale = true
	}
}

// unreadLocked is CountUnread over the timeline, with the key of its first
// unread line. It is computed again only after the lines, the mark or my
// nick changed (unreadStale), and then only over the lines after the mark,
// found from the end: a person who reads along has a handful of unread
// lines, so a flood costs a few lines per View rather than a scan of every
// line's text for mentions.
func (c *Client) unreadLocked() (Unread, string) {
	if !c.unreadStale {
		return c.unread, c.firstUnread
	}
	c.unreadStale = false
	start := c.afterMarkLocked()
	tail := c.unreadTail[:0] // reused: a flood while hidden recounts hundreds of lines per View
	for _, l := range c.timeline[start:] {
		if l.Kind == LineMessage && !l.Mine {
			tail = append(tail, c.resolvedLocked(l)) // deleted and edited as shown
		}
	}
	c.unreadTail = tail
	// Everything in tail is after the mark: the zero mark counts it all.
	c.unread = CountUnread(tail, ReadMark{}, c.nick)
	c.firstUnread = ""
	if c.unread.First >= 0 {
		c.firstUnread = tail[c.unread.First].Key
	}
	return c.unread, c.firstUnread
}

// afterMarkLocked is the index in the timeline of the first line after the
// read mark, as CountUnread places it: after the marked line, or, when that
// line is gone, at the first message newer than the mark.
func (c *Client) afterMarkLocked() int {
	if c.readMark.Key == "" {
		return 0
	}
	for i := len(c.timeline) - 1; i >= 0; i-- {
		if c.timeline[i].Key == c.readMark.Key {
			return i + 1
		}
	}
	for i, l := range c.timeline {
		if l.Kind == LineMessage && l.Time.After(c.readMark.Time) {
			return i
		}
	}
	return len(c.timeline)
}
