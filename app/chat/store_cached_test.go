package chat

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
)

// sharedBackend is an IndexedDB stand-in shared by the tabs of one profile:
// writes apply in order, a put over limit bytes is refused as a quota error
// (after Set returned, as IndexedDB's are), and announcements reach every
// other tab. With holdReads, reads wait for release, as IndexedDB answers
// them later.
type sharedBackend struct {
	mu        sync.Mutex
	values    map[string]string
	limit     int // 0: none
	tabs      []*CachedStore
	holdReads bool
	held      []func()
}

func newSharedBackend() *sharedBackend { return &sharedBackend{values: map[string]string{}} }

// openTab opens a tab's store on b, with what b stores now.
func (b *sharedBackend) openTab(limit int64) *CachedStore {
	b.mu.Lock()
	initial := maps.Clone(b.values)
	b.mu.Unlock()
	tab := &backendTab{shared: b}
	s := NewCachedStore(tab, initial, limit)
	tab.self = s
	b.mu.Lock()
	b.tabs = append(b.tabs, s)
	b.mu.Unlock()
	return s
}

func (b *sharedBackend) release() {
	b.mu.Lock()
	held := b.held
	b.held = nil
	b.mu.Unlock()
	for _, read := range held {
		read()
	}
}

func (b *sharedBackend) get(key string) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.values[key]
	return v, ok
}

type backendTab struct {
	shared *sharedBackend
	self   *CachedStore
}

func (t *backendTab) Put(key, value string, done func(error)) {
	b := t.shared
	b.mu.Lock()
	total := len(key) + len(value)
	for k, v := range b.values {
		if k != key {
			total += len(k) + len(v)
		}
	}
	var err error
	if b.limit > 0 && total > b.limit {
		err = fmt.Errorf("QuotaExceededError: %w", ErrStoreFull)
	} else {
		b.values[key] = value
	}
	b.mu.Unlock()
	done(err)
}

func (t *backendTab) Delete(key string) {
	t.shared.mu.Lock()
	defer t.shared.mu.Unlock()
	delete(t.shared.values, key)
}

func (t *backendTab) Get(key string, done func(string, bool)) {
	b := t.shared
	b.mu.Lock()
	// The value is read when the read is asked for: later writes are
	// ordered after it, as in IndexedDB.
	v, ok := b.values[key]
	if b.holdReads {
		b.held = append(b.held, func() { done(v, ok) })
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	done(v, ok)
}

func (t *backendTab) Announce(key string) {
	t.shared.mu.Lock()
	others := slices.DeleteFunc(slices.Clone(t.shared.tabs), func(s *CachedStore) bool { return s == t.self })
	t.shared.mu.Unlock()
	for _, s := range others {
		s.RemoteChanged(key)
	}
}

func TestCachedStore_WritesThroughAndReopens(t *testing.T) {
	b := newSharedBackend()
	s := b.openTab(0)
	if err := s.Set("chat.history.a", "one"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("chat.outbox.a", "two"); err != nil {
		t.Fatal(err)
	}
	s.Delete("chat.outbox.a")
	if v, ok := b.get("chat.history.a"); !ok || v != "one" {
		t.Fatalf("backend holds %q, %v", v, ok)
	}
	if _, ok := b.get("chat.outbox.a"); ok {
		t.Fatal("Delete did not reach the backend")
	}
	reopened := b.openTab(0)
	if v, ok := reopened.Get("chat.history.a"); !ok || v != "one" {
		t.Fatalf("a reload reads %q, %v", v, ok)
	}
	if used, _ := reopened.Usage(); used != int64(len("chat.history.a")+len("one")) {
		t.Fatalf("usage %d", used)
	}
}

// TestCachedStore_LimitRefusesAtOnce: a write over the quota estimate fails
// synchronously with ErrStoreFull and changes nothing, so the storage budget
// can make room and try again.
func TestCachedStore_LimitRefusesAtOnce(t *testing.T) {
	b := newSharedBackend()
	s := b.openTab(30)
	if err := s.Set("k", strings.Repeat("x", 20)); err != nil {
		t.Fatal(err)
	}
	err := s.Set("k2", strings.Repeat("y", 20))
	if !errors.Is(err, ErrStoreFull) {
		t.Fatalf("Set over the limit: %v", err)
	}
	if _, ok := s.Get("k2"); ok {
		t.Fatal("a refused value is in memory")
	}
	if _, ok := b.get("k2"); ok {
		t.Fatal("a refused value reached the backend")
	}
	// Shrinking a value always fits.
	if err := s.Set("k", "x"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("k2", strings.Repeat("y", 20)); err != nil {
		t.Fatal(err)
	}
}

// TestCachedStore_BackendQuotaErrorStopsGrowthAndRetries: the backend is
// fuller than the estimate said and refuses a write after Set returned. The
// next growing write fails at once (so the budget evicts), and the refused
// value is written once a Delete made room.
func TestCachedStore_BackendQuotaErrorStopsGrowthAndRetries(t *testing.T) {
	b := newSharedBackend()
	s := b.openTab(0)
	if err := s.Set("chat.history.old", strings.Repeat("h", 100)); err != nil {
		t.Fatal(err)
	}
	b.limit = 150
	if err := s.Set("chat.outbox.a", strings.Repeat("q", 60)); err != nil {
		t.Fatal(err) // the backend's refusal comes later
	}
	if _, ok := b.get("chat.outbox.a"); ok {
		t.Fatal("the backend took a write over its quota")
	}
	if v, _ := s.Get("chat.outbox.a"); len(v) != 60 {
		t.Fatal("the refused value left memory: this tab would lose the queued message")
	}
	if err := s.Set("chat.history.b", "more"); !errors.Is(err, ErrStoreFull) {
		t.Fatalf("growth after a backend quota error: %v", err)
	}
	s.Delete("chat.history.old")
	if v, ok := b.get("chat.outbox.a"); !ok || len(v) != 60 {
		t.Fatal("the refused write was not retried after a Delete")
	}
}

// TestCachedStore_OtherTabsLearnOfChanges: a write in one tab reaches the
// other's memory and its watchers, deletes too.
func TestCachedStore_OtherTabsLearnOfChanges(t *testing.T) {
	b := newSharedBackend()
	a, other := b.openTab(0), b.openTab(0)
	var mu sync.Mutex
	var seen []string
	stop := other.Watch(func(key string) { mu.Lock(); seen = append(seen, key); mu.Unlock() })
	if err := a.Set("chat.outbox.r", "queued in a"); err != nil {
		t.Fatal(err)
	}
	if v, ok := other.Get("chat.outbox.r"); !ok || v != "queued in a" {
		t.Fatalf("the other tab reads %q, %v", v, ok)
	}
	a.Delete("chat.outbox.r")
	if _, ok := other.Get("chat.outbox.r"); ok {
		t.Fatal("the other tab still has a deleted key")
	}
	stop()
	if err := a.Set("chat.outbox.r", "after stop"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, []string{"chat.outbox.r", "chat.outbox.r"}) {
		t.Fatalf("watcher saw %q", seen)
	}
}

// TestCachedStore_StaleRemoteValueIgnored: a tab writes a key while the
// read-back of another tab's older write of it is still on its way; the
// older value must not replace the newer one in memory.
func TestCachedStore_StaleRemoteValueIgnored(t *testing.T) {
	b := newSharedBackend()
	a, other := b.openTab(0), b.openTab(0)
	b.holdReads = true
	if err := a.Set("k", "older, from a"); err != nil {
		t.Fatal(err)
	}
	if err := other.Set("k", "newer, from other"); err != nil {
		t.Fatal(err)
	}
	b.release()
	if v, _ := other.Get("k"); v != "newer, from other" {
		t.Fatalf("other tab reads %q", v)
	}
	if v, _ := a.Get("k"); v != "newer, from other" {
		t.Fatalf("the first tab reads %q: both must end with what the backend kept", v)
	}
	if v, _ := b.get("k"); v != "newer, from other" {
		t.Fatalf("backend %q", v)
	}
}

// TestCachedStore_BudgetEvictsOldRoomsNeverTheOutbox: the client's storage
// budget on a cached store whose quota is nearly used: the history of the
// least recently opened room goes, the new message is stored, every outbox
// stays, and the person is told.
func TestCachedStore_BudgetEvictsOldRoomsNeverTheOutbox(t *testing.T) {
	b := newSharedBackend()
	s := b.openTab(0)
	roomWithHistory(t, s, "oldest", 2000)
	roomWithHistory(t, s, "older", 2000)
	used, _ := s.Usage()
	s.SetLimit(used + 1000)
	o := defaultOptions()
	o.Store = s
	h := newHarness(t, o)
	if err := h.client.Send(strings.Repeat("m", 1500)); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.get(historyKey("oldest")); ok {
		t.Fatal("the least recently opened room kept its history")
	}
	if _, ok := b.get(historyKey("older")); !ok {
		t.Fatal("more history than needed was removed")
	}
	for _, room := range []string{"oldest", "older", "lobby"} {
		if len(loadOutbox(s, room)) != 1 {
			t.Fatalf("the outbox of %s is not stored", room)
		}
		if _, ok := b.get(outboxKey(room)); !ok {
			t.Fatalf("the outbox of %s did not reach the backend", room)
		}
	}
	if v := h.client.View(); countLines(v, LineSystem, StorageFullText) != 1 {
		t.Fatalf("no %q notice: %q", StorageFullText, texts(v.Lines))
	}
}

func TestSplitStore_DurableKeysGoToTheDurableStore(t *testing.T) {
	small, durable := newBudgetStore(), newSharedBackend().openTab(0)
	s := NewSplitStore(small, durable)
	for _, k := range []string{historyKey("r"), outboxKey("r"), roomsKey, PrefsKey, "chat.identity"} {
		if err := s.Set(k, "v"); err != nil {
			t.Fatal(err)
		}
	}
	if got := durable.Keys(); !slices.Equal(got, []string{historyKey("r"), outboxKey("r"), roomsKey}) {
		t.Fatalf("durable holds %q", got)
	}
	if got := slices.Sorted(slices.Values(small.Keys())); !slices.Equal(got, []string{"chat.identity", PrefsKey}) {
		t.Fatalf("small holds %q", got)
	}
	if got := s.(KeyLister).Keys(); len(got) != 5 {
		t.Fatalf("Keys %q", got)
	}
}

// TestMigrateLegacy_MovesHistoryAndOutboxKeepingEveryQueuedMessage: an
// install from before IndexedDB. Its history and outbox move; an outbox a
// tab of the old version wrote next to the durable one is merged, not
// replaced; prefs stay; a write that fails leaves the key in localStorage.
func TestMigrateLegacy_MovesHistoryAndOutboxKeepingEveryQueuedMessage(t *testing.T) {
	legacy := newBudgetStore()
	storeHistory(t, legacy, "a", storedHistory{Seq: 3, Epoch: testEpoch, Messages: []storedMessage{{Seq: 3, TS: 3, CID: "c", ID: "m3", Text: "three"}}})
	for k, v := range map[string]string{
		outboxKey("a"): `[{"id":"q1","text":"old one"},{"id":"q2","text":"old two"}]`,
		outboxKey("b"): `[{"id":"b1","text":"fails"}]`,
		PrefsKey:       `{"nick":"n"}`,
	} {
		if err := legacy.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	values := map[string]string{outboxKey("a"): `[{"id":"q2","text":"old two"},{"id":"q3","text":"new"}]`}
	written := map[string]string{}
	moved, err := MigrateLegacy(legacy, values, func(key, value string) error {
		if key == outboxKey("b") {
			return ErrStoreFull
		}
		written[key] = value
		return nil
	})
	if err == nil {
		t.Fatal("a failed write was not reported")
	}
	slices.Sort(moved)
	if !slices.Equal(moved, []string{historyKey("a"), outboxKey("a")}) {
		t.Fatalf("moved %q", moved)
	}
	d := NewMemoryStore()
	for k, v := range written {
		_ = d.Set(k, v)
	}
	var ids []string
	for _, e := range loadOutbox(d, "a") {
		ids = append(ids, e.ID)
	}
	if !slices.Equal(ids, []string{"q2", "q3", "q1"}) {
		t.Fatalf("merged outbox %q", ids)
	}
	if h := loadHistory(d, "a"); h.Seq != 3 || len(h.Messages) != 1 {
		t.Fatalf("history %+v", h)
	}
	if values[outboxKey("a")] != written[outboxKey("a")] {
		t.Fatal("values do not show what was written")
	}
	for k, want := range map[string]bool{historyKey("a"): false, outboxKey("a"): false, outboxKey("b"): true, PrefsKey: true} {
		if legacy.has(k) != want {
			t.Errorf("localStorage has %s: %v, want %v", k, !want, want)
		}
	}
}

// unloadingBackend holds every write until commit, as IndexedDB does until a
// transaction commits; unload drops what is held, as a reload does.
type unloadingBackend struct {
	mu     sync.Mutex
	values map[string]string
	held   []func()
}

func (b *unloadingBackend) Put(key, value string, done func(error)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held = append(b.held, func() {
		b.mu.Lock()
		b.values[key] = value
		b.mu.Unlock()
		done(nil)
	})
}

func (b *unloadingBackend) Delete(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held = append(b.held, func() {
		b.mu.Lock()
		delete(b.values, key)
		b.mu.Unlock()
	})
}

func (b *unloadingBackend) Get(key string, done func(string, bool)) {}
func (b *unloadingBackend) Announce(string)                         {}

func (b *unloadingBackend) commit() {
	b.mu.Lock()
	held := b.held
	b.held = nil
	b.mu.Unlock()
	for _, write := range held {
		write()
	}
}

func (b *unloadingBackend) unload() map[string]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held = nil
	return maps.Clone(b.values)
}

// TestCachedStore_UnconfirmedWritesSurviveAnUnload: the page goes away
// while the backend still holds writes. SaveUnconfirmed copied them to the
// journal, and the next start moves them in: the history has the line that
// arrived just before the reload, the outbox its queued message; a write the
// backend had confirmed leaves no copy behind, nor does a forgotten key.
func TestCachedStore_UnconfirmedWritesSurviveAnUnload(t *testing.T) {
	b := &unloadingBackend{values: map[string]string{}}
	journal := newBudgetStore()
	s := NewCachedStore(b, nil, 0)
	s.SetJournal(journal)

	seen := storedMessage{Seq: 1, TS: 1, CID: "c", ID: "m1", Text: "seen before"}
	last := storedMessage{Seq: 2, TS: 2, CID: "c", ID: "m2", Text: "arrived just before the reload"}
	storeHistory(t, s, "r", storedHistory{Seq: 1, Epoch: testEpoch, Messages: []storedMessage{seen}})
	if err := s.Set(outboxKey("gone"), `[{"id":"x"}]`); err != nil {
		t.Fatal(err)
	}
	b.commit()
	s.SaveUnconfirmed()
	if keys := journal.Keys(); len(keys) != 0 {
		t.Fatalf("confirmed writes were copied to the journal: %q", keys)
	}

	storeHistory(t, s, "r", storedHistory{Seq: 2, Epoch: testEpoch, Messages: []storedMessage{seen, last}})
	if err := s.Set(outboxKey("r"), `[{"id":"q1","text":"queued"}]`); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(outboxKey("forgotten"), `[{"id":"f"}]`); err != nil {
		t.Fatal(err)
	}
	s.SaveUnconfirmed()
	s.Delete(outboxKey("forgotten"))
	if got, want := journal.Keys(), []string{historyKey("r"), outboxKey("r")}; !slices.Equal(slices.Sorted(slices.Values(got)), want) {
		t.Fatalf("journal holds %q, want %q", got, want)
	}

	values := b.unload()
	if _, err := MigrateLegacy(journal, values, func(key, value string) error {
		b.Put(key, value, func(error) {})
		b.commit()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	reopened := NewCachedStore(b, values, 0)
	h := loadHistory(reopened, "r")
	if len(h.Messages) != 2 || h.Messages[1].ID != "m2" || h.Seq != 2 {
		t.Fatalf("history after the reload: %+v", h)
	}
	if v, _ := reopened.Get(outboxKey("r")); !strings.Contains(v, "q1") {
		t.Fatalf("outbox after the reload: %q", v)
	}
	if keys := journal.Keys(); len(keys) != 0 {
		t.Fatalf("the journal still holds %q after the start moved it", keys)
	}

	// Once the backend confirms a journaled write, its copy goes.
	if err := reopened.Set(outboxKey("r"), `[]`); err != nil {
		t.Fatal(err)
	}
	reopened.SetJournal(journal)
	reopened.SaveUnconfirmed()
	if _, ok := journal.Get(outboxKey("r")); !ok {
		t.Fatal("an unconfirmed write was not copied")
	}
	b.commit()
	if keys := journal.Keys(); len(keys) != 0 {
		t.Fatalf("a confirmed write left its copy: %q", keys)
	}
}
