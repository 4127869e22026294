package chat

import (
	"errors"
	"sync"
)

// Store is a small string key-value store: in the PWA, IndexedDB through a
// CachedStore for history and outbox and the browser's localStorage
// (NewBrowserStore) for the rest, joined by NewSplitStore; memory in tests
// (NewMemoryStore).
type Store interface {
	Get(key string) (string, bool)
	// Set stores value under key. It fails when the store is full (quota).
	Set(key, value string) error
	Delete(key string)
}

// ErrStoreFull is wrapped by the error of a write the store refused for
// lack of room (quota).
var ErrStoreFull = errors.New("storage full")

// Watcher is implemented by Stores shared with other tabs that say when one
// of them changed a key (CachedStore). localStorage says so through the
// window's storage event instead, which app/ui listens to.
type Watcher interface {
	// Watch calls fn with the key of every change another tab made, once
	// the new value can be read; fn must not block. stop ends the calls.
	Watch(fn func(key string)) (stop func())
}

// UnconfirmedSaver is implemented by Stores whose writes finish after Set
// returns (CachedStore): SaveUnconfirmed keeps the unfinished ones where they
// survive the page being unloaded. Client.Flush calls it.
type UnconfirmedSaver interface {
	SaveUnconfirmed()
}

// NewMemoryStore returns an empty Store kept in memory, safe for concurrent use.
func NewMemoryStore() Store { return &memoryStore{values: map[string]string{}} }

type memoryStore struct {
	mu     sync.Mutex
	values map[string]string
}

var _ Store = (*memoryStore)(nil)

func (s *memoryStore) Get(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[key]
	return v, ok
}

func (s *memoryStore) Set(key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[key] = value
	return nil
}

func (s *memoryStore) Delete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.values, key)
}
