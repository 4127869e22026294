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
	Seq  uint64 `json:"seq"`
	TS   int64  `json:"ts"` // relay clock, Unix ms
	CID  string `json:"cid"`
	ID   string `json:"id"`
	Nick string `json:"nick"`
	Text string `json:"text"`
}

// storedHistory is the persisted form of a room's history.
type storedHistory struct {
	Seq      uint64          `json:"seq"`             // the last seq seen, for since=
	Epoch    string          `json:"epoch,omitempty"` // the seq space of Seq, for epoch=
	Messages []storedMessage `json:"messages"`
}

func loadHistory(s Store, room string) storedHistory {
	var h storedHistory
	raw, ok := s.Get(historyKey(room))
	if !ok || json.Unmarshal([]byte(raw), &h) != nil {
		return storedHistory{}
	}
	if len(h.Messages) > MaxHistory {
		h.Messages = h.Messages[len(h.Messages)-MaxHistory:]
	}
	return h
}

// saveHistory writes h, dropping the oldest messages while the store
// refuses the write (quota exceeded): a shorter history beats none, and the
// seq must survive so that since= stays right.
func saveHistory(s Store, room string, h storedHistory) error {
	var err error
	for {
		raw, merr := json.Marshal(h)
		if merr != nil {
			return merr
		}
		if err = s.Set(historyKey(room), string(raw)); err == nil {
			return nil
		}
		if len(h.Messages) == 0 {
			return err
		}
		h.Messages = h.Messages[len(h.Messages)/2+len(h.Messages)%2:]
	}
}

func (m storedMessage) key() string { return messageKey(m.CID, m.ID) }

func (m storedMessage) line(myCID string) Line {
	return Line{
		Kind:   LineMessage,
		Key:    m.key(),
		Seq:    m.Seq,
		Nick:   m.Nick,
		Text:   m.Text,
		Time:   time.UnixMilli(m.TS),
		Mine:   m.CID == myCID,
		Status: StatusDelivered,
	}
}
