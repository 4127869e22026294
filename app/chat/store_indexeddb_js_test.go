package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall/js"
	"testing"
	"time"
)

// openTestDB opens a fresh IndexedDB store of its own name for t.
func openTestDB(t *testing.T, name string, o IndexedDBOptions) *CachedStore {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o.Name = name
	s, err := OpenIndexedDBStore(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testDBName is a database name no other test (or earlier run) used.
func testDBName(t *testing.T) string {
	return fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano())
}

func TestIndexedDBStore_WritesSurviveAReload(t *testing.T) {
	name := testDBName(t)
	s := openTestDB(t, name, IndexedDBOptions{})
	if err := s.Set(historyKey("r"), "välue ✓"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(outboxKey("r"), "queued"); err != nil {
		t.Fatal(err)
	}
	s.Delete(outboxKey("r"))
	// A new connection reads after every write asked for before: a reload.
	reloaded := openTestDB(t, name, IndexedDBOptions{})
	if v, ok := reloaded.Get(historyKey("r")); !ok || v != "välue ✓" {
		t.Fatalf("after reload %q, %v", v, ok)
	}
	if _, ok := reloaded.Get(outboxKey("r")); ok {
		t.Fatal("a deleted key came back")
	}
}

// TestIndexedDBStore_QuotaFromTheEstimate: without a limit of its own the
// store takes one from navigator.storage.estimate(); with one, a write over
// it fails at once with ErrStoreFull.
func TestIndexedDBStore_QuotaFromTheEstimate(t *testing.T) {
	s := openTestDB(t, testDBName(t), IndexedDBOptions{})
	if _, limit := s.Usage(); limit <= 0 {
		t.Fatalf("limit %d: the estimate did not reach the budget", limit)
	}
	small := openTestDB(t, testDBName(t), IndexedDBOptions{Limit: 100})
	if err := small.Set("k", strings.Repeat("x", 200)); !errors.Is(err, ErrStoreFull) {
		t.Fatalf("Set over the limit: %v", err)
	}
}

// TestIndexedDBStore_OtherTabsLearnOfWrites: two stores of one database in
// one page talk over BroadcastChannel exactly as two tabs do.
func TestIndexedDBStore_OtherTabsLearnOfWrites(t *testing.T) {
	name := testDBName(t)
	a, b := openTestDB(t, name, IndexedDBOptions{}), openTestDB(t, name, IndexedDBOptions{})
	changed := make(chan string, 4)
	defer b.Watch(func(key string) { changed <- key })()
	if err := a.Set(outboxKey("r"), "queued in a"); err != nil {
		t.Fatal(err)
	}
	select {
	case key := <-changed:
		if key != outboxKey("r") {
			t.Fatalf("announced %q", key)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the other tab was not told")
	}
	if v, ok := b.Get(outboxKey("r")); !ok || v != "queued in a" {
		t.Fatalf("the other tab reads %q, %v", v, ok)
	}
}

// TestIndexedDBStore_MigratesLocalStorage: an install from before keeps its
// history and outbox, now in IndexedDB; prefs stay in localStorage.
func TestIndexedDBStore_MigratesLocalStorage(t *testing.T) {
	local := js.Global().Get("localStorage")
	local.Call("clear")
	defer local.Call("clear")
	local.Call("setItem", historyKey("old"), `{"seq":7,"messages":[{"seq":7,"ts":1,"cid":"c","id":"m","nick":"n","text":"kept"}]}`)
	local.Call("setItem", outboxKey("old"), `[{"id":"q","text":"still queued"}]`)
	local.Call("setItem", PrefsKey, `{"nick":"n"}`)
	name := testDBName(t)
	s := openTestDB(t, name, IndexedDBOptions{Legacy: NewBrowserStore()})
	if h := loadHistory(s, "old"); h.Seq != 7 || len(h.Messages) != 1 || h.Messages[0].Text != "kept" {
		t.Fatalf("history %+v", h)
	}
	if o := loadOutbox(s, "old"); len(o) != 1 || o[0].Text != "still queued" {
		t.Fatalf("outbox %+v", o)
	}
	for key, want := range map[string]bool{historyKey("old"): false, outboxKey("old"): false, PrefsKey: true} {
		if has := !local.Call("getItem", key).IsNull(); has != want {
			t.Errorf("localStorage has %s: %v", key, has)
		}
	}
	// Written, not only in memory.
	if o := loadOutbox(openTestDB(t, name, IndexedDBOptions{}), "old"); len(o) != 1 {
		t.Fatal("the migrated outbox is not in IndexedDB")
	}
}

// TestIndexedDBStore_ClientQueueSurvivesReload: the client on the split
// store of the PWA; a queued message is there after a reload.
func TestIndexedDBStore_ClientQueueSurvivesReload(t *testing.T) {
	js.Global().Get("localStorage").Call("clear")
	defer js.Global().Get("localStorage").Call("clear")
	name := testDBName(t)
	o := defaultOptions()
	o.Store = NewSplitStore(NewBrowserStore(), openTestDB(t, name, IndexedDBOptions{}))
	if err := New(o).Send("kept in IndexedDB"); err != nil {
		t.Fatal(err)
	}
	o.Store = NewSplitStore(NewBrowserStore(), openTestDB(t, name, IndexedDBOptions{}))
	if l := messageLines(New(o).View()); len(l) != 1 || l[0].Text != "kept in IndexedDB" || l[0].Status != StatusPending {
		t.Fatalf("after reload: %+v", l)
	}
}
