package chat

import (
	"slices"
	"strings"
)

// DurableKey reports whether key is kept in the durable store of a split
// store: a room's history and outbox, which grow, and the list of rooms
// whose history is kept (budget.go), which is changed together with them.
// Everything else (prefs, identity, private room keys) is small and read
// before anything else starts.
func DurableKey(key string) bool {
	return key == roomsKey || strings.HasPrefix(key, historyKeyPrefix) || strings.HasPrefix(key, outboxKeyPrefix)
}

// NewSplitStore returns a Store that keeps the keys DurableKey names in
// durable (IndexedDB in the PWA) and the others in small (localStorage).
func NewSplitStore(small, durable Store) Store { return splitStore{small: small, durable: durable} }

type splitStore struct{ small, durable Store }

var (
	_ Store     = splitStore{}
	_ KeyLister = splitStore{}
	_ Watcher   = splitStore{}

	_ UnconfirmedSaver = splitStore{}
	_ UnconfirmedSaver = (*CachedStore)(nil)
)

func (s splitStore) pick(key string) Store {
	if DurableKey(key) {
		return s.durable
	}
	return s.small
}

func (s splitStore) Get(key string) (string, bool) { return s.pick(key).Get(key) }
func (s splitStore) Set(key, value string) error   { return s.pick(key).Set(key, value) }
func (s splitStore) Delete(key string)             { s.pick(key).Delete(key) }

// Keys lists the keys of both stores that can list theirs.
func (s splitStore) Keys() []string {
	var keys []string
	for _, part := range []Store{s.small, s.durable} {
		if lister, ok := part.(KeyLister); ok {
			keys = append(keys, lister.Keys()...)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// Watch watches the durable store, if it can be watched; the small one is
// localStorage, whose storage event app/ui listens to.
func (s splitStore) Watch(fn func(key string)) (stop func()) {
	if w, ok := s.durable.(Watcher); ok {
		return w.Watch(fn)
	}
	return func() {}
}

// SaveUnconfirmed saves the durable store's unfinished writes; the small
// one writes synchronously.
func (s splitStore) SaveUnconfirmed() {
	if saver, ok := s.durable.(UnconfirmedSaver); ok {
		saver.SaveUnconfirmed()
	}
}
