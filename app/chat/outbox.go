package chat

import (
	"encoding/json"
	"time"
)

// outboxKey is the Store key of a room's unsent messages.
func outboxKey(room string) string { return "chat.outbox." + room }

// outboxEntry is one message I composed that the relay has not echoed yet.
// It keeps its id across reconnects and reloads: the relay deduplicates by
// (cid, id), which makes resending exactly-once.
type outboxEntry struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Nick string `json:"nick"`
	Time int64  `json:"time"` // local clock, Unix ms

	status    Status // StatusPending or StatusSent on the current connection; not persisted
	delivered bool   // removed from the outbox by its echo
	gen       int    // bumped when the relay refused a write, so a late "written" is ignored
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

func (e *outboxEntry) line(myCID string) Line {
	return Line{
		Kind:   LineMessage,
		Key:    messageKey(myCID, e.ID),
		Nick:   e.Nick,
		Text:   e.Text,
		Time:   time.UnixMilli(e.Time),
		Mine:   true,
		Status: e.status,
	}
}
