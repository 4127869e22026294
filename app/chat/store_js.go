package chat

import (
	"fmt"
	"syscall/js"
)

// NewBrowserStore returns a Store backed by window.localStorage. Set returns
// an error when the browser refuses the write (quota exceeded). When
// localStorage is unavailable (some private modes throw on access) it falls
// back to memory so the app still works for the session.
func NewBrowserStore() Store {
	storage, err := localStorage()
	if err != nil {
		return NewMemoryStore()
	}
	return browserStore{storage: storage}
}

type browserStore struct{ storage js.Value }

var _ Store = browserStore{}

func localStorage() (storage js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("localStorage unavailable: %v", r)
		}
	}()
	storage = js.Global().Get("localStorage")
	if storage.IsUndefined() || storage.IsNull() {
		return js.Value{}, fmt.Errorf("localStorage unavailable")
	}
	return storage, nil
}

func (s browserStore) Get(key string) (value string, ok bool) {
	defer func() {
		if recover() != nil {
			value, ok = "", false
		}
	}()
	v := s.storage.Call("getItem", key)
	if v.IsNull() || v.IsUndefined() {
		return "", false
	}
	return v.String(), true
}

// Set calls localStorage.setItem, which throws QuotaExceededError when full;
// syscall/js turns the exception into a panic, recovered here as an error.
func (s browserStore) Set(key, value string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store %q (%d bytes): %v", key, len(value), r)
		}
	}()
	s.storage.Call("setItem", key, value)
	return nil
}

func (s browserStore) Delete(key string) {
	defer func() { _ = recover() }()
	s.storage.Call("removeItem", key)
}

var _ KeyLister = browserStore{}

// Keys lists localStorage's keys (for the storage budget's first start).
func (s browserStore) Keys() (keys []string) {
	defer func() { _ = recover() }()
	n := s.storage.Get("length").Int()
	for i := range n {
		if k := s.storage.Call("key", i); k.Type() == js.TypeString {
			keys = append(keys, k.String())
		}
	}
	return keys
}
