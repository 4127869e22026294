package chat

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// budgetStore refuses a write once all its keys and values together would
// exceed limit bytes, like a browser's per-origin quota. It lists its keys.
type budgetStore struct {
	mu     sync.Mutex
	values map[string]string
	limit  int // 0: none
}

var (
	_ Store     = (*budgetStore)(nil)
	_ KeyLister = (*budgetStore)(nil)
)

func newBudgetStore() *budgetStore { return &budgetStore{values: map[string]string{}} }

func (s *budgetStore) Get(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[key]
	return v, ok
}

func (s *budgetStore) Set(key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := len(key) + len(value)
	for k, v := range s.values {
		if k != key {
			total += len(k) + len(v)
		}
	}
	if s.limit > 0 && total > s.limit {
		return errors.New("QuotaExceededError")
	}
	s.values[key] = value
	return nil
}

func (s *budgetStore) Delete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.values, key)
}

func (s *budgetStore) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.values {
		keys = append(keys, k)
	}
	return keys
}

func (s *budgetStore) setLimit(n int) {
	s.mu.Lock()
	s.limit = n
	s.mu.Unlock()
}

func (s *budgetStore) has(key string) bool { _, ok := s.Get(key); return ok }

// roomWithHistory stores size bytes of history and one queued message for
// room, then opens it (New), as a visit to that room leaves them.
func roomWithHistory(t *testing.T, s Store, room string, size int) {
	t.Helper()
	storeHistory(t, s, room, storedHistory{Seq: 1, Epoch: testEpoch, Messages: []storedMessage{
		{Seq: 1, TS: 1, CID: "other", ID: "h-" + room, Nick: "calm-fox", Text: strings.Repeat("h", size)},
	}})
	o := defaultOptions()
	o.Store, o.Room = s, room
	if err := New(o).Send("queued in " + room); err != nil {
		t.Fatal(err)
	}
}

func TestBudget_KeepsHistoryOfThe20MostRecentlyOpenedRooms(t *testing.T) {
	s := NewMemoryStore()
	for i := range MaxStoredRooms + 1 {
		roomWithHistory(t, s, fmt.Sprintf("r%d", i), 10)
	}
	if _, ok := s.Get(historyKey("r0")); ok {
		t.Fatal("the 21st room opened did not evict the history of the least recent")
	}
	for i := range MaxStoredRooms + 1 {
		room := fmt.Sprintf("r%d", i)
		if i > 0 {
			if _, ok := s.Get(historyKey(room)); !ok {
				t.Fatalf("history of %s was evicted", room)
			}
		}
		if len(loadOutbox(s, room)) != 1 {
			t.Fatalf("the outbox of %s was touched", room)
		}
	}
	// Opening r1 again makes it recent: the next new room evicts r2.
	o := defaultOptions()
	o.Store, o.Room = s, "r1"
	New(o)
	roomWithHistory(t, s, "fresh", 10)
	if _, ok := s.Get(historyKey("r1")); !ok {
		t.Fatal("a reopened room was evicted")
	}
	if _, ok := s.Get(historyKey("r2")); ok {
		t.Fatal("r2, now the least recent, kept its history")
	}
}

// TestBudget_QuotaEvictsOldestRoomFirstAndTellsThePerson: the store is full;
// a new message makes room by removing the history of the least recently
// opened room only, is stored, and the person reads why history is gone.
func TestBudget_QuotaEvictsOldestRoomFirstAndTellsThePerson(t *testing.T) {
	s := newBudgetStore()
	roomWithHistory(t, s, "oldest", 2000)
	roomWithHistory(t, s, "older", 2000)
	o := defaultOptions()
	o.Store = s
	h := newHarness(t, o) // lobby, offline
	used := 0
	for k, v := range s.values {
		used += len(k) + len(v)
	}
	s.setLimit(used + 1000) // the message below needs about 1.6 KB more

	if err := h.client.Send(strings.Repeat("m", 1500)); err != nil {
		t.Fatal(err)
	}
	if len(loadOutbox(s, "lobby")) != 1 {
		t.Fatal("the message was not stored although history could make room")
	}
	if s.has(historyKey("oldest")) || !s.has(historyKey("older")) {
		t.Fatalf("evicted oldest=%v older=%v; want only the least recently opened", !s.has(historyKey("oldest")), !s.has(historyKey("older")))
	}
	for _, room := range []string{"oldest", "older"} {
		if len(loadOutbox(s, room)) != 1 {
			t.Fatalf("the outbox of %s was removed to make room", room)
		}
	}
	if v := h.client.View(); countLines(v, LineSystem, StorageFullText) != 1 {
		t.Fatalf("no %q notice: %q", StorageFullText, texts(v.Lines))
	}
}

// TestBudget_FullStoreNeverLosesAQueuedMessage: nothing left to evict; the
// write fails but the message stays queued, is delivered, and Flush writes
// the outbox once there is room.
func TestBudget_FullStoreNeverLosesAQueuedMessage(t *testing.T) {
	s := newBudgetStore()
	o := defaultOptions()
	o.Store = s
	h := start(t, o)
	s.setLimit(100)
	if err := h.client.Send("kept although the store is full"); err != nil {
		t.Fatal(err)
	}
	if len(loadOutbox(s, "lobby")) != 0 {
		t.Fatal("the store took a write over its limit")
	}
	if err := h.client.Send("and another"); err != nil {
		t.Fatal(err)
	}
	if err := h.client.Flush(); err == nil {
		t.Fatal("Flush hid the failed write")
	}
	s.setLimit(0)
	if err := h.client.Flush(); err != nil {
		t.Fatal(err)
	}
	if stored := loadOutbox(s, "lobby"); len(stored) != 2 {
		t.Fatalf("after Flush the stored outbox has %d entries", len(stored))
	}
	relay, _ := h.connect(wire.Welcome{})
	got, _ := pubTexts(t, relay, 2)
	if !slices.Equal(got, []string{"kept although the store is full", "and another"}) {
		t.Fatalf("sent %q", got)
	}
}

// TestBudget_FirstStartFindsHistoryFromBefore: history stored before the
// rooms list existed is found by its keys and falls under the budget.
func TestBudget_FirstStartFindsHistoryFromBefore(t *testing.T) {
	s := newBudgetStore()
	for i := range MaxStoredRooms + 2 {
		storeHistory(t, s, fmt.Sprintf("old%02d", i), storedHistory{Seq: 1})
	}
	New(defaultOptions2(s))
	rooms, ok := loadRooms(s)
	if !ok || len(rooms) != MaxStoredRooms || rooms[0] != "lobby" {
		t.Fatalf("rooms %q", rooms)
	}
	kept := 0
	for _, k := range s.Keys() {
		if strings.HasPrefix(k, historyKeyPrefix) {
			kept++
		}
	}
	if kept != MaxStoredRooms-1 { // lobby has none yet
		t.Fatalf("%d histories kept, want %d", kept, MaxStoredRooms-1)
	}
}
