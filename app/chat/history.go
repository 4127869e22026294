package chat

import (
	"encoding/json"
	"time"
)

// historyKey is the Store key of a room's persisted messages.
func historyKey(room string) string { return "chat.history." + room }

// storedMessage is one delivered message as persisted: the data is kept
// decoded (nick, text) because that is all the view needs.
type storedMessage struct {
	_ noCompare

	Seq  uint64 `json:"seq"`
	TS   int64  `json:"ts"` // relay clock, Unix ms
	CID  string `json:"cid"`
	ID   string `json:"id"`
	Nick string `json:"nick"`
	Text string `json:"text"`
	// Signer and Flag are set in private rooms only (private_client.go):
	// the verified signer's public key, and why the message is not shown
	// as is ("" when it is).
	Signer string `json:"signer,omitempty"`
	Flag   string `json:"flag,omitempty"`
	// Ref is the message's reference to an earlier one, kept so that a
	// reload resolves replies, reactions, edits and deletes again (refs.go).
	Ref *refData `json:"ref,omitempty"`

	// keyed is key() once withKey set it, "" before: the key is asked for
	// by the dedup set, the threads and the line, and made anew (a string
	// concatenation) each time it was a good part of taking in a message.
	keyed string
}

// storedHistory is the persisted form of a room's history.
type storedHistory struct {
	Seq      uint64          `json:"seq"`             // the last seq seen, for since=
	Epoch    string          `json:"epoch,omitempty"` // the seq space of Seq, for epoch=
	Messages []storedMessage `json:"messages"`
}

func loadHistory(s Store, room string) storedHistory {
	h, _ := loadHistoryRaw(s, room)
	return h
}

// loadHistoryRaw is loadHistory that also returns the stored value as it
// is ("" when there is none).
func loadHistoryRaw(s Store, room string) (storedHistory, string) {
	var h storedHistory
	raw, ok := s.Get(historyKey(room))
	if !ok || json.Unmarshal([]byte(raw), &h) != nil {
		return storedHistory{}, raw
	}
	if len(h.Messages) > MaxHistory {
		h.Messages = h.Messages[len(h.Messages)-MaxHistory:]
	}
	return h, raw
}

// othersHistoryLocked returns the room's stored history when another tab
// wrote it since this Client last wrote or read it (ok), else nothing: the
// stored value is then this Client's own, all of it in c.history already
// or dropped from it as too old, and decoding and merging it again (once
// a second in a busy room) would change nothing.
func (c *Client) othersHistoryLocked() (stored storedHistory, ok bool) {
	if raw, _ := c.store.Get(historyKey(c.room)); raw == c.historyRaw {
		return storedHistory{}, false
	}
	stored, c.historyRaw = loadHistoryRaw(c.store, c.room)
	return stored, true
}

// saveHistoryLocked writes h. While the store refuses it (quota), other
// rooms' history goes first (writeLocked); then the oldest half of this
// room's messages, again and again: a shorter history beats none, and the
// seq must survive so that since= stays right.
func (c *Client) saveHistoryLocked(h storedHistory) error {
	for {
		encoded, err := json.Marshal(h)
		if err != nil {
			return err
		}
		raw := string(encoded)
		if err = c.writeLocked(func() error { return c.store.Set(historyKey(c.room), raw) }); err == nil {
			c.historyRaw = raw
			return nil
		}
		if len(h.Messages) == 0 {
			return err
		}
		c.storageFullLocked()
		h.Messages = h.Messages[len(h.Messages)/2+len(h.Messages)%2:]
	}
}

// mergeHistory is the read-modify-write of a room's history: mine (this
// tab's) with the messages only stored (written by another tab) put in by
// their time, at most MaxHistory, the newest kept. Within one seq epoch the
// larger seq wins; across epochs mine, the one this tab resumes with.
func mergeHistory(stored, mine storedHistory) storedHistory {
	out := storedHistory{Seq: mine.Seq, Epoch: mine.Epoch, Messages: mine.Messages}
	if stored.Epoch == mine.Epoch && stored.Seq > mine.Seq {
		out.Seq = stored.Seq
	}
	have := make(map[string]struct{}, len(mine.Messages))
	for _, m := range mine.Messages {
		have[m.key()] = struct{}{}
	}
	copied := false
	for _, m := range stored.Messages {
		if _, ok := have[m.key()]; ok {
			continue
		}
		i := len(out.Messages)
		for i > 0 && out.Messages[i-1].TS > m.TS && len(out.Messages)-i < MaxHistory {
			i--
		}
		if len(out.Messages)-i >= MaxHistory {
			// MaxHistory newer ones follow it, and insertions only add to
			// them: the cut below would drop it. Another tab's history
			// holds hundreds of these, each a scan and a shift of the
			// whole slice.
			have[m.key()] = struct{}{}
			continue
		}
		if !copied { // mine is the tab's own slice: never write into it
			out.Messages = append([]storedMessage(nil), out.Messages...)
			copied = true
		}
		out.Messages = append(out.Messages, storedMessage{})
		copy(out.Messages[i+1:], out.Messages[i:])
		out.Messages[i] = m
		have[m.key()] = struct{}{}
	}
	if over := len(out.Messages) - MaxHistory; over > 0 {
		out.Messages = out.Messages[over:]
	}
	return out
}

func (m storedMessage) key() string {
	if m.keyed != "" {
		return m.keyed
	}
	return messageKey(m.CID, m.ID)
}

// withKey is m with its key made once, for every later key(). CID and ID
// never change once a message is stored.
func (m storedMessage) withKey() storedMessage {
	m.keyed = messageKey(m.CID, m.ID)
	return m
}

// line is m as shown; mine when my cid sent it with my key (mySigner is ""
// in a plain room, where Signer is "" too).
func (m storedMessage) line(myCID, mySigner string) Line {
	return Line{
		Kind:   LineMessage,
		Key:    m.key(),
		Seq:    m.Seq,
		Nick:   m.Nick,
		Text:   m.Text,
		Time:   time.UnixMilli(m.TS),
		Mine:   m.CID == myCID && m.Signer == mySigner && m.Flag == "",
		Status: StatusDelivered,
	}
}
