package chat

import (
	"encoding/json"
	"strings"
)

// Installs from before IndexedDB kept history, outbox and the rooms list in
// localStorage. On every start, whatever of that is still there moves into
// the durable store: each key is merged with what the durable store has
// (a tab of the old version may still have been writing), written, and
// removed from localStorage only once the write succeeded. A write that
// fails leaves the key where it was, for the next start: a queued message is
// never in neither store.

// MigrateLegacy moves the durable keys (DurableKey) of legacy into the
// durable store, whose current contents are values; put writes one key
// there and returns once it is stored. values is updated with what was
// written. It returns the keys it moved.
func MigrateLegacy(legacy Store, values map[string]string, put func(key, value string) error) (moved []string, err error) {
	lister, ok := legacy.(KeyLister)
	if !ok {
		return nil, nil
	}
	for _, key := range lister.Keys() {
		if !DurableKey(key) {
			continue
		}
		old, ok := legacy.Get(key)
		if !ok {
			continue
		}
		merged := old
		if current, ok := values[key]; ok {
			merged = mergeLegacy(key, current, old)
		}
		if perr := put(key, merged); perr != nil {
			err = perr // the key stays in legacy; the next start tries again
			continue
		}
		values[key] = merged
		legacy.Delete(key)
		moved = append(moved, key)
	}
	return moved, err
}

// mergeLegacy joins the durable value of key with the one still in
// localStorage: outboxes by entry id (no queued message is dropped), histories
// as two tabs' histories are merged; for anything else the durable value
// wins.
func mergeLegacy(key, durable, legacy string) string {
	switch {
	case strings.HasPrefix(key, outboxKeyPrefix):
		var a, b []*outboxEntry
		if json.Unmarshal([]byte(durable), &a) != nil {
			return legacy
		}
		if json.Unmarshal([]byte(legacy), &b) != nil {
			return durable
		}
		for _, e := range b {
			if e != nil && outboxIndex(a, e.ID) < 0 {
				a = append(a, e)
			}
		}
		raw, err := json.Marshal(a)
		if err != nil {
			return durable
		}
		return string(raw)
	case strings.HasPrefix(key, historyKeyPrefix):
		var a, b storedHistory
		if json.Unmarshal([]byte(durable), &a) != nil {
			return legacy
		}
		if json.Unmarshal([]byte(legacy), &b) != nil {
			return durable
		}
		raw, err := json.Marshal(mergeHistory(b, a))
		if err != nil {
			return durable
		}
		return string(raw)
	}
	return durable
}
