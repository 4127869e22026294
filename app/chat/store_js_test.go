package chat

import (
	"slices"
	"strings"
	"syscall/js"
	"testing"
)

func TestBrowserStore_RoundTripAndPersistence(t *testing.T) {
	js.Global().Get("localStorage").Call("clear")
	s := NewBrowserStore()
	if _, ok := s.(browserStore); !ok {
		t.Fatalf("NewBrowserStore fell back to %T: localStorage is available here", s)
	}
	if _, ok := s.Get("missing"); ok {
		t.Fatal("Get of a missing key reported ok")
	}
	if err := s.Set("k", "välue ✓"); err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Get("k"); !ok || v != "välue ✓" {
		t.Fatalf("Get = %q, %v", v, ok)
	}
	// Stored in the real localStorage, so a reload (a new store) sees it.
	if v := js.Global().Get("localStorage").Call("getItem", "k").String(); v != "välue ✓" {
		t.Fatalf("localStorage holds %q", v)
	}
	if v, ok := NewBrowserStore().Get("k"); !ok || v != "välue ✓" {
		t.Fatalf("a new store reads %q, %v", v, ok)
	}
	s.Delete("k")
	if _, ok := s.Get("k"); ok {
		t.Fatal("Delete left the key")
	}
}

func TestBrowserStore_QuotaExceededIsAnError(t *testing.T) {
	js.Global().Get("localStorage").Call("clear")
	defer js.Global().Get("localStorage").Call("clear")
	s := NewBrowserStore()
	big := strings.Repeat("x", 6<<20) // over every browser's ~5 MB origin quota
	err := s.Set("big", big)
	if err == nil {
		t.Fatal("Set of 6 MB succeeded; expected the quota error")
	}
	if !strings.Contains(err.Error(), "big") {
		t.Errorf("error %q does not name the key", err)
	}
	if _, ok := s.Get("big"); ok {
		t.Error("a refused value was stored")
	}
}

func TestBrowserStore_ClientHistorySurvivesReload(t *testing.T) {
	js.Global().Get("localStorage").Call("clear")
	defer js.Global().Get("localStorage").Call("clear")
	o := defaultOptions()
	o.Store = NewBrowserStore()
	if err := New(o).Send("kept in localStorage"); err != nil {
		t.Fatal(err)
	}
	o.Store = NewBrowserStore()
	if l := messageLines(New(o).View()); len(l) != 1 || l[0].Text != "kept in localStorage" || l[0].Status != StatusPending {
		t.Fatalf("after reload: %+v", l)
	}
}

func TestBrowserStore_KeysListsLocalStorage(t *testing.T) {
	js.Global().Get("localStorage").Call("clear")
	defer js.Global().Get("localStorage").Call("clear")
	s := NewBrowserStore()
	for _, k := range []string{"chat.history.a", "chat.outbox.a"} {
		if err := s.Set(k, "x"); err != nil {
			t.Fatal(err)
		}
	}
	keys := s.(KeyLister).Keys()
	if len(keys) != 2 || !slices.Contains(keys, "chat.history.a") || !slices.Contains(keys, "chat.outbox.a") {
		t.Fatalf("keys %q", keys)
	}
}
