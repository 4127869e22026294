package chat

import "sync"

// Store is a small string key-value store: the browser's localStorage in the
// PWA (NewBrowserStore), memory in tests (NewMemoryStore).
type Store interface {
	Get(key string) (string, bool)
	// Set stores value under key. It fails when the store is full (quota).
	Set(key, value string) error
	Delete(key string)
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
