package chat

import (
	"encoding/json"

	"github.com/chatpwa/chat/relay/wire"
)

// How the Client says how far the person read, and hears how far others
// did (read_receipts.go). Like typing, only on a relay that relays signals
// (the probe in typing_client.go tells), and only while the person allows it
// (Prefs.SendReadReceipts, read from the Store: the UI tells the client of a
// change with StoreChanged(PrefsKey)).

// receiptsAllowed reads Prefs.SendReadReceipts from s without LoadPrefs,
// which would create and store an identity as a side effect. No prefs yet:
// the default, on.
func receiptsAllowed(s Store) bool {
	var p Prefs
	if raw, ok := s.Get(PrefsKey); ok && json.Unmarshal([]byte(raw), &p) == nil {
		return p.SendReadReceipts()
	}
	return true
}

// prefsChangedLocked follows a change of the prefs: receipts switched on
// say at once how far I read.
func (c *Client) prefsChangedLocked() {
	was := c.receipts
	c.receipts = receiptsAllowed(c.store)
	if c.receipts && !was {
		c.sayReadLocked(true)
	}
}

// readMovedLocked tells the room that my mark moved.
func (c *Client) readMovedLocked() { c.sayReadLocked(false) }

// sayReadLocked says how far I read: now, or, within ReadSignalInterval of
// the last read signal, once that interval is over, with the mark as it is
// by then. again says it even when it is what was said last (a newcomer
// missed it; a new connection).
func (c *Client) sayReadLocked(again bool) {
	if c.sess == nil || !c.sess.signals || !c.receipts {
		return // a later welcome, or the receipts switched on, says it again
	}
	c.readAgain = c.readAgain || again
	if c.stopReadSignal != nil {
		return // the pending one says the latest
	}
	wait := c.readSaidAt.Add(ReadSignalInterval).Sub(c.clock.Now())
	if c.readSaidAt.IsZero() || wait <= 0 {
		c.sendReadLocked()
		return
	}
	c.stopReadSignal = c.clock.AfterFunc(wait, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.stopReadSignal = nil
		c.sendReadLocked()
	})
}

// sendReadLocked hands my read point to the writer of the current
// connection, unless it is what was said last and nobody needs it again.
func (c *Client) sendReadLocked() {
	again := c.readAgain
	c.readAgain = false
	s := c.sess
	if s == nil || !s.signals || !c.receipts {
		return
	}
	p, ok := c.readPointLocked()
	if !ok || (p == c.readSaid && !again) {
		return
	}
	c.readSaid, c.readSaidAt = p, c.clock.Now()
	s.readDue = &readData{Read: p}
	s.wakeWriter()
}

// readPointLocked is my mark as a seq in the current epoch; ok is false
// when the marked line is not in the timeline or its seq is not known to
// count in this epoch.
func (c *Client) readPointLocked() (readPoint, bool) {
	if c.readMark.Key == "" || c.epoch == "" {
		return readPoint{}, false
	}
	for i := len(c.timeline) - 1; i >= 0; i-- {
		if l := c.timeline[i]; l.Key == c.readMark.Key {
			if l.Kind != LineMessage || l.Seq == 0 || c.lineEpochLocked(l) != c.epoch {
				return readPoint{}, false
			}
			return readPoint{Seq: l.Seq, Epoch: c.epoch}, true
		}
	}
	return readPoint{}, false
}

// lineEpochLocked is the seq epoch l's seq counts in. A line restored from
// the Store names none: it is taken to be of the epoch the history was
// stored with. A message kept from an even earlier epoch is then compared
// in the wrong seq space; it is older than every message of the later
// epoch, so a reader who read that far in the later one read it too, and a
// receipt can at worst be missing, never claim more than was read.
func (c *Client) lineEpochLocked(l Line) string {
	if l.Epoch != "" {
		return l.Epoch
	}
	return c.loadedEpoch
}

// handleReadSignalLocked notes how far another member read. The person is
// the relay-stamped cid, or in a private room the member's verified key
// (anyone may claim a cid there; a member whose meta has not verified yet is
// not counted). A receipt of another epoch names other messages: ignored.
func (c *Client) handleReadSignalLocked(f *wire.ServerFrame, p readPoint) {
	if p.Seq == 0 || c.epoch == "" || p.Epoch != c.epoch {
		return
	}
	person := f.CID
	if c.private {
		m := c.members[f.Conn]
		if m == nil || m.Key == "" || m.Key == c.signer {
			return
		}
		person = m.Key
	}
	if c.readers.epoch != c.epoch {
		c.readers.reset(c.epoch)
	}
	c.readers.read(person, p.Seq)
}

// seenByLocked is Line.SeenBy of the timeline line l: for my delivered
// messages, how many others read it, as far as their receipts tell.
func (c *Client) seenByLocked(l Line) int {
	if !l.Mine || l.Kind != LineMessage || l.Seq == 0 || c.readers.epoch != c.epoch || c.lineEpochLocked(l) != c.epoch {
		return 0
	}
	return c.readers.seenBy(l.Seq)
}
