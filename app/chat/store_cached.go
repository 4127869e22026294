package chat

import (
	"fmt"
	"slices"
	"sync"
)

// A CachedStore is the synchronous Store the client needs in front of a
// durable store that only answers asynchronously (IndexedDB, see
// store_indexeddb_js.go). Every value is read into memory once, at start;
// Get answers from memory; Set and Delete change memory at once and write
// through to the backend, in order. Tabs share the backend: after each write
// the backend tells the other tabs the key (BroadcastChannel), and they read
// it back from the backend, not from the message, so that two tabs writing
// one key at once both end with what the backend kept (its writes are
// ordered; a read asked for after a write sees it). A remote value that
// arrives after this tab wrote the key again is stale and ignored.
//
// Two tabs changing the same key within the same few milliseconds can still
// each base their change on the other's older value; localStorage, which
// Chromium also mirrors between tabs asynchronously, had the same window.
// The outbox keeps it harmless for queued messages: each entry is written
// again with every later change of the tab that queued it (outbox.go).
//
// Storage is budgeted here: the backend's quota (navigator.storage.estimate)
// becomes a limit in bytes, and a Set that would go over it fails at once
// with ErrStoreFull, which the client's storage budget (budget.go) answers by
// removing the history of the least recently opened rooms. A write the
// backend refuses later (its own quota error) lowers the limit to what is
// stored, so that the next write fails synchronously and frees room; the
// refused value stays in memory and is written again once something was
// deleted.
//
// A page that is reloaded or closed loses the IndexedDB writes it asked for
// in its last moments (pagehide): Chromium aborts what has not committed
// when the document goes. SaveUnconfirmed copies every write the backend has
// not confirmed yet into the journal (localStorage, written synchronously,
// kept across the unload); a confirmed write removes its copy again. The
// next start moves what is left there into the backend with MigrateLegacy,
// the same merge that moved an older install's history and outbox (queued
// messages by id, histories as two tabs' are merged), so a line seen or
// written just before a reload is there after it.

// StoreBackend is the durable side of a CachedStore. Its callbacks may run
// on any goroutine (in the browser, on JavaScript's event loop: they must not
// block).
type StoreBackend interface {
	// Put writes value under key after every write asked for before, then
	// calls done with the result (an error wrapping ErrStoreFull on quota).
	Put(key, value string, done func(error))
	// Delete removes key after every write asked for before.
	Delete(key string)
	// Get reads key after every write asked for before, then calls done.
	Get(key string, done func(value string, ok bool))
	// Announce tells the other tabs that key changed.
	Announce(key string)
}

// CachedStore is a Store held in memory and written through to a
// StoreBackend. Create it with NewCachedStore. It is safe for concurrent use.
type CachedStore struct {
	backend StoreBackend

	mu     sync.Mutex
	values map[string]string
	// writes counts this tab's writes per key: a remote value read back
	// from before the last of them is stale.
	writes map[string]uint64
	used   int64 // bytes of keys and values, as storeBytes counts them
	limit  int64 // 0: no limit
	// refused are keys whose last write the backend refused: written again
	// after a Delete frees room.
	refused  map[string]struct{}
	watchers map[int]func(key string)
	nextID   int

	// confirmed is, per key, the last write number the backend confirmed
	// (stored or refused); a key whose writes[key] is greater is unconfirmed.
	confirmed map[string]uint64
	// journal keeps copies of unconfirmed writes across an unload (nil:
	// none); journaled is the write number of each copy there.
	journal   Store
	journaled map[string]uint64
}

var (
	_ Store     = (*CachedStore)(nil)
	_ KeyLister = (*CachedStore)(nil)
	_ Watcher   = (*CachedStore)(nil)
)

// NewCachedStore returns a store holding initial (what backend stores now)
// that writes through to backend, with limit bytes at most (0: no limit).
func NewCachedStore(backend StoreBackend, initial map[string]string, limit int64) *CachedStore {
	s := &CachedStore{
		backend:  backend,
		values:   make(map[string]string, len(initial)),
		writes:   map[string]uint64{},
		limit:    limit,
		refused:  map[string]struct{}{},
		watchers: map[int]func(string){},

		confirmed: map[string]uint64{},
		journaled: map[string]uint64{},
	}
	for k, v := range initial {
		s.values[k] = v
		s.used += storeBytes(k, v)
	}
	return s
}

// storeBytes is what one entry counts against the limit. Browsers keep
// strings as UTF-16 and add their own overhead; the length in bytes is a
// lower bound, and the backend's own quota error catches the rest.
func storeBytes(key, value string) int64 { return int64(len(key) + len(value)) }

// Get returns the value of key in memory.
func (s *CachedStore) Get(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[key]
	return v, ok
}

// Set stores value under key in memory and writes it through. It fails with
// ErrStoreFull, changing nothing, when the value would go over the limit.
func (s *CachedStore) Set(key, value string) error {
	s.mu.Lock()
	old, had := s.values[key]
	grow := storeBytes(key, value)
	if had {
		grow -= storeBytes(key, old)
	}
	if s.limit > 0 && grow > 0 && s.used+grow > s.limit {
		used, limit := s.used, s.limit
		s.mu.Unlock()
		return fmt.Errorf("store %q (%d bytes; %d of %d used): %w", key, len(value), used, limit, ErrStoreFull)
	}
	s.values[key] = value
	s.used += grow
	s.writes[key]++
	write := s.writes[key]
	delete(s.refused, key)
	s.mu.Unlock()

	s.put(key, value, write)
	return nil
}

// put writes write number write of key through to the backend.
func (s *CachedStore) put(key, value string, write uint64) {
	s.backend.Put(key, value, func(err error) {
		if err != nil {
			s.putRefused(key, write)
		}
		s.putConfirmed(key, write)
	})
	s.backend.Announce(key)
}

// putConfirmed notes that the backend answered write number write of key,
// and drops the journal's copy once it is of that write or an older one.
func (s *CachedStore) putConfirmed(key string, write uint64) {
	s.mu.Lock()
	s.confirmed[key] = max(s.confirmed[key], write)
	copied, ok := s.journaled[key]
	drop := ok && copied <= write && s.journal != nil
	if drop {
		delete(s.journaled, key)
	}
	journal := s.journal
	s.mu.Unlock()
	if drop {
		journal.Delete(key)
	}
}

// SetJournal makes journal (localStorage in the PWA) the place
// SaveUnconfirmed copies unconfirmed writes to.
func (s *CachedStore) SetJournal(journal Store) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.journal = journal
}

// SaveUnconfirmed copies into the journal every value whose write the
// backend has not confirmed, synchronously: call it when the page is hidden
// or unloaded. A copy that does not fit is skipped; the backend may still
// commit the write.
func (s *CachedStore) SaveUnconfirmed() {
	s.mu.Lock()
	if s.journal == nil {
		s.mu.Unlock()
		return
	}
	copies := map[string]string{}
	for key, write := range s.writes {
		value, ok := s.values[key]
		if ok && write > s.confirmed[key] && s.journaled[key] != write {
			copies[key] = value
			s.journaled[key] = write
		}
	}
	journal := s.journal
	s.mu.Unlock()
	for key, value := range copies {
		_ = journal.Set(key, value)
	}
}

// putRefused notes that the backend refused write number write of key.
func (s *CachedStore) putRefused(key string, write uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writes[key] != write {
		return // written again since; that write decides
	}
	s.refused[key] = struct{}{}
	// The backend is fuller than the estimate said: no more growth until
	// something is deleted.
	s.limit = s.used
}

// Delete removes key from memory and from the backend, then writes again
// what the backend refused before, now that there is room.
func (s *CachedStore) Delete(key string) {
	s.mu.Lock()
	old, had := s.values[key]
	if had {
		s.used -= storeBytes(key, old)
	}
	delete(s.values, key)
	delete(s.refused, key)
	s.writes[key]++
	_, copied := s.journaled[key]
	delete(s.journaled, key)
	journal := s.journal
	retry := make(map[string]string, len(s.refused))
	for k := range s.refused {
		retry[k] = s.values[k]
		delete(s.refused, k)
	}
	s.mu.Unlock()

	if copied {
		journal.Delete(key) // a forgotten room must not come back with the next start
	}
	s.backend.Delete(key)
	s.backend.Announce(key)
	for k, v := range retry {
		s.mu.Lock()
		s.writes[k]++
		write := s.writes[k]
		s.mu.Unlock()
		s.put(k, v, write)
	}
}

// Keys lists the keys in memory, sorted.
func (s *CachedStore) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.values))
	for k := range s.values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Usage returns the bytes stored and the limit (0: none).
func (s *CachedStore) Usage() (used, limit int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used, s.limit
}

// SetLimit changes the limit in bytes (0: none), as a new quota estimate
// arrives. What is stored already stays.
func (s *CachedStore) SetLimit(limit int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = limit
}

// RemoteChanged is called when another tab announced a change of key: the
// value is read back from the backend and, unless this tab wrote the key in
// the meantime, replaces the one in memory; then the watchers learn of it.
func (s *CachedStore) RemoteChanged(key string) {
	s.mu.Lock()
	write := s.writes[key]
	s.mu.Unlock()
	s.backend.Get(key, func(value string, ok bool) {
		s.mu.Lock()
		if s.writes[key] != write {
			s.mu.Unlock()
			return // this tab wrote it since: that value is newer
		}
		if old, had := s.values[key]; had {
			s.used -= storeBytes(key, old)
		}
		if ok {
			s.values[key] = value
			s.used += storeBytes(key, value)
		} else {
			delete(s.values, key)
		}
		watchers := make([]func(string), 0, len(s.watchers))
		for _, fn := range s.watchers {
			watchers = append(watchers, fn)
		}
		s.mu.Unlock()
		for _, fn := range watchers {
			fn(key)
		}
	})
}

// Watch calls fn with the key of every change another tab made, once the
// new value can be read. fn must not block: in the browser it runs on
// JavaScript's event loop. It returns the function that stops the calls.
func (s *CachedStore) Watch(fn func(key string)) (stop func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID
	s.nextID++
	s.watchers[id] = fn
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.watchers, id)
	}
}
