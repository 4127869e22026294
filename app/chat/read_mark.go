package chat

import (
	"strconv"
	"strings"
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

// encodeReadMark is the stored form of m: the line's relay time (Unix ms),
// a space and its key. Plain text rather than JSON: the JSON encoding of
// one more type costs the wasm more than this whole format.
func encodeReadMark(m ReadMark) string {
	return strconv.FormatInt(m.Time.UnixMilli(), 10) + " " + m.Key
}

func loadReadMark(s Store, room string) (ReadMark, bool) {
	raw, _ := s.Get(readMarkKey(room))
	ts, key, _ := strings.Cut(raw, " ")
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || key == "" {
		return ReadMark{}, false
	}
	return ReadMark{Key: key, Time: time.UnixMilli(ms)}, true
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
	err := c.store.Set(readMarkKey(c.room), encodeReadMark(c.readMark))
	c.readDirty = err != nil // retried by the next MarkRead or Flush
	return err
}

// readMarkChangedLocked follows another tab's write of the mark.
func (c *Client) readMarkChangedLocked() {
	if stored, ok := loadReadMark(c.store, c.room); ok && newerMark(stored, c.readMark) {
		c.adoptReadMarkLocked(stored)
	}
}

func (c *Client) adoptReadMarkLocked(mark ReadMark) {
	c.unreadStale = c.unreadStale || mark != c.readMark
	c.readMark = mark
}

// unreadLocked is CountUnread over lines (View's: the newest MaxViewLines
// of the timeline and outbox, resolved as shown, so deleted and edited
// messages count as they show), with the key of its first unread line. It
// is counted again only after the lines, the mark or my nick changed
// (unreadStale), not on every View; then it costs a pass over the keys and
// a mention scan of the unread lines only, no copy.
func (c *Client) unreadLocked(lines []Line) (Unread, string) {
	// The window also moves when my outbox grows or shrinks.
	from := ""
	if len(lines) > 0 {
		from = lines[0].Key
	}
	if c.unreadStale || from != c.unreadFrom {
		c.unreadStale, c.unreadFrom = false, from
		c.unread = CountUnread(lines, c.readMark, c.nick)
		c.firstUnread = ""
		if c.unread.First >= 0 {
			c.firstUnread = lines[c.unread.First].Key
		}
	}
	return c.unread, c.firstUnread
}
