package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// countingStore counts writes per key and can refuse values over a size,
// like a browser's localStorage quota.
type countingStore struct {
	Store
	mu      sync.Mutex
	sets    map[string]int
	maxSize int // 0: no quota
}

func newCountingStore() *countingStore {
	return &countingStore{Store: NewMemoryStore(), sets: map[string]int{}}
}

func (s *countingStore) Set(key, value string) error {
	s.mu.Lock()
	s.sets[key]++
	quota := s.maxSize
	s.mu.Unlock()
	if quota > 0 && len(value) > quota {
		return errors.New("QuotaExceededError")
	}
	return s.Store.Set(key, value)
}

func (s *countingStore) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sets[key]
}

// storeHistory writes h as the stored history of room, as an earlier
// session (or another tab) would have.
func storeHistory(t testing.TB, s Store, room string, h storedHistory) {
	t.Helper()
	raw, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set(historyKey(room), string(raw)); err != nil {
		t.Fatal(err)
	}
}

func storedHistoryOf(t *testing.T, s Store) storedHistory {
	t.Helper()
	raw, ok := s.Get(historyKey("lobby"))
	if !ok {
		t.Fatal("no history stored")
	}
	var h storedHistory
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestClient_History_ShownBeforeAnyNetworkAfterRestart(t *testing.T) {
	store := NewMemoryStore()
	o := defaultOptions()
	o.Store = store
	h := start(t, o)
	relay, _ := h.connect(wire.Welcome{})
	relay.send(t, msg(1, "other", "a", "calm-fox", "first"), msg(2, "other", "b", "calm-fox", "second"))
	h.waitView("two messages", func(v View) bool { return len(messageLines(v)) == 2 })
	h.stop() // Run's exit persists at once

	again := newHarness(t, o)
	v := again.client.View()
	if got := strings.Join(texts(messageLines(v)), "|"); got != "calm-fox: first [delivered]|calm-fox: second [delivered]" {
		t.Fatalf("history after restart: %q", got)
	}
	if l := messageLines(v)[0]; l.Key != "other/a" || l.Seq != 1 || l.Mine || l.Time.UnixMilli() != 1_740_000_000_001 {
		t.Fatalf("restored line %+v", l)
	}
	again.run()
	if req := again.transport.expectDial(t); !strings.HasSuffix(req.url, "&since=2&epoch="+testEpoch) {
		t.Fatalf("URL %q: want the last seq and its epoch", req.url)
	}
}

func TestClient_History_WritesCoalesced(t *testing.T) {
	store := newCountingStore()
	o := defaultOptions()
	o.Store = store
	h := start(t, o)
	relay, _ := h.connect(wire.Welcome{})
	for i := range 100 {
		relay.send(t, msg(uint64(i+1), "other", fmt.Sprint(i), "calm-fox", "burst"))
	}
	h.waitView("100 messages", func(v View) bool { return len(messageLines(v)) == 100 })
	// The first message after a quiet period is written at once; the rest
	// of the burst waits for the persist delay.
	if n := store.count(historyKey("lobby")); n != 1 {
		t.Fatalf("history written %d times before the persist delay, want 1", n)
	}
	if got := storedHistoryOf(t, store); got.Seq != 1 || len(got.Messages) != 1 {
		t.Fatalf("first write: seq %d, %d messages", got.Seq, len(got.Messages))
	}
	h.clock.Advance(DefaultPersistDelay)
	if n := store.count(historyKey("lobby")); n != 2 {
		t.Fatalf("history written %d times for one burst, want 2", n)
	}
	if got := storedHistoryOf(t, store); got.Seq != 100 || len(got.Messages) != 100 {
		t.Fatalf("stored seq %d, %d messages", got.Seq, len(got.Messages))
	}
}

func TestClient_History_FirstMessageAfterQuietWrittenAtOnce(t *testing.T) {
	store := newCountingStore()
	o := defaultOptions()
	o.Store = store
	h := start(t, o)
	relay, _ := h.connect(wire.Welcome{})
	relay.send(t, msg(1, "other", "a", "calm-fox", "first"))
	h.waitView("first", func(v View) bool { return len(messageLines(v)) == 1 })
	if got := storedHistoryOf(t, store); got.Seq != 1 || len(got.Messages) != 1 {
		t.Fatalf("first message not on disk at once: seq %d, %d messages", got.Seq, len(got.Messages))
	}

	// Half a delay later the next one waits for the rest of the delay.
	h.clock.Advance(DefaultPersistDelay / 2)
	relay.send(t, msg(2, "other", "b", "calm-fox", "second"))
	h.waitView("second", func(v View) bool { return len(messageLines(v)) == 2 })
	if n := store.count(historyKey("lobby")); n != 1 {
		t.Fatalf("history written %d times within the delay, want 1", n)
	}
	h.clock.Advance(DefaultPersistDelay / 2)
	if got := storedHistoryOf(t, store); got.Seq != 2 || len(got.Messages) != 2 {
		t.Fatalf("after the delay: seq %d, %d messages", got.Seq, len(got.Messages))
	}

	// After a quiet period longer than the delay: at once again.
	h.clock.Advance(2 * DefaultPersistDelay)
	relay.send(t, msg(3, "other", "c", "calm-fox", "third"))
	h.waitView("third", func(v View) bool { return len(messageLines(v)) == 3 })
	if got := storedHistoryOf(t, store); got.Seq != 3 || len(got.Messages) != 3 {
		t.Fatalf("after a quiet period: seq %d, %d messages", got.Seq, len(got.Messages))
	}
	if n := store.count(historyKey("lobby")); n != 3 {
		t.Fatalf("history written %d times, want 3", n)
	}
}

func TestClient_Flush_WritesPendingHistoryAtOnce(t *testing.T) {
	store := newCountingStore()
	o := defaultOptions()
	o.Store = store
	h := start(t, o)
	relay, _ := h.connect(wire.Welcome{})
	relay.send(t, msg(1, "other", "a", "calm-fox", "first"))
	relay.send(t, msg(2, "other", "b", "calm-fox", "second"))
	h.waitView("two", func(v View) bool { return len(messageLines(v)) == 2 })
	if got := storedHistoryOf(t, store); len(got.Messages) != 1 {
		t.Fatalf("%d messages stored before Flush, want the first only", len(got.Messages))
	}

	if err := h.client.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := storedHistoryOf(t, store); got.Seq != 2 || len(got.Messages) != 2 {
		t.Fatalf("after Flush: seq %d, %d messages", got.Seq, len(got.Messages))
	}
	writes := store.count(historyKey("lobby"))
	if err := h.client.Flush(); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(DefaultPersistDelay) // the timer Flush replaced must not write again
	if n := store.count(historyKey("lobby")); n != writes {
		t.Fatalf("a clean client wrote history again (%d writes, was %d)", n, writes)
	}

	// What Flush wrote is what the next page load shows.
	again := newHarness(t, o)
	if got := texts(messageLines(again.client.View())); len(got) != 2 {
		t.Fatalf("reloaded history %q", got)
	}
}

func TestClient_Flush_SafeFromManyGoroutines(t *testing.T) {
	store := NewMemoryStore()
	o := defaultOptions()
	o.Store = store
	h := start(t, o)
	relay, _ := h.connect(wire.Welcome{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if err := h.client.Flush(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := range 50 {
		relay.send(t, msg(uint64(i+1), "other", fmt.Sprint(i), "calm-fox", "during flushes"))
	}
	wg.Wait()
	h.waitView("50 messages", func(v View) bool { return len(messageLines(v)) == 50 })
	if err := h.client.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := storedHistoryOf(t, store); got.Seq != 50 || len(got.Messages) != 50 {
		t.Fatalf("stored seq %d, %d messages", got.Seq, len(got.Messages))
	}
}

func TestClient_Flush_RetriesFailedOutboxWrite(t *testing.T) {
	store := newCountingStore()
	store.maxSize = 200
	o := defaultOptions()
	o.Store = store
	h := newHarness(t, o) // not running: Send only queues
	if err := h.client.Send(strings.Repeat("y", 300)); err != nil {
		t.Fatal(err)
	}
	if _, ok := store.Get(outboxKey("lobby")); ok {
		t.Fatal("the outbox fit although it is over the quota")
	}
	if err := h.client.Flush(); err == nil {
		t.Fatal("Flush reported no error while the store is still full")
	}
	store.mu.Lock()
	store.maxSize = 0 // space was freed
	store.mu.Unlock()
	if err := h.client.Flush(); err != nil {
		t.Fatal(err)
	}
	if entries := loadOutbox(store, "lobby"); len(entries) != 1 || entries[0].Text != strings.Repeat("y", 300) {
		t.Fatalf("outbox after Flush: %+v", entries)
	}
}

func TestClient_History_KeepsLast500AndViewsLast300(t *testing.T) {
	store := NewMemoryStore()
	o := defaultOptions()
	o.Store = store
	h := start(t, o)
	relay, _ := h.connect(wire.Welcome{})
	batch := make([]any, 0, 600)
	for i := range 600 {
		batch = append(batch, msg(uint64(i+1), "other", fmt.Sprint(i), "calm-fox", fmt.Sprint("m", i)))
	}
	relay.send(t, batch...) // one frame, 600 '\n'-separated objects
	v := h.waitView("last message", func(v View) bool { return len(v.Lines) > 0 && v.Lines[len(v.Lines)-1].Text == "m599" })
	if len(v.Lines) != MaxViewLines || v.Lines[0].Text != "m300" {
		t.Fatalf("view has %d lines starting %q", len(v.Lines), v.Lines[0].Text)
	}
	h.clock.Advance(DefaultPersistDelay)
	got := storedHistoryOf(t, store)
	if len(got.Messages) != MaxHistory || got.Messages[0].Text != "m100" || got.Seq != 600 {
		t.Fatalf("stored %d messages from %q, seq %d", len(got.Messages), got.Messages[0].Text, got.Seq)
	}
}

func TestClient_History_QuotaTrimsInsteadOfLosingAll(t *testing.T) {
	store := newCountingStore()
	store.maxSize = 8 << 10
	o := defaultOptions()
	o.Store = store
	h := start(t, o)
	relay, _ := h.connect(wire.Welcome{})
	for i := range 200 {
		relay.send(t, msg(uint64(i+1), "other", fmt.Sprint(i), "calm-fox", strings.Repeat("x", 100)))
	}
	h.waitView("200 messages", func(v View) bool { return len(messageLines(v)) == 200 })
	h.clock.Advance(DefaultPersistDelay)
	got := storedHistoryOf(t, store)
	if len(got.Messages) == 0 || len(got.Messages) >= 200 || got.Seq != 200 {
		t.Fatalf("stored %d messages, seq %d", len(got.Messages), got.Seq)
	}
	if last := got.Messages[len(got.Messages)-1]; last.ID != "199" {
		t.Fatalf("trimming must keep the newest, last is %q", last.ID)
	}
}

func TestClient_Replay_MergedWithoutDuplicates(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{})
	for i := 1; i <= 5; i++ {
		relay.send(t, msg(uint64(i), "other", fmt.Sprint(i), "calm-fox", fmt.Sprint("m", i)))
	}
	h.waitView("5 messages", func(v View) bool { return len(messageLines(v)) == 5 })
	relay.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	req := h.transport.expectDial(t)
	if !strings.HasSuffix(req.url, "&since=5&epoch="+testEpoch) {
		t.Fatalf("URL %q", req.url)
	}
	relay = req.accept()
	relay.welcome(t, wire.Welcome{Seq: 7, Recovered: true})
	relay.send(t, msg(5, "other", "5", "calm-fox", "m5"), msg(5, "other", "5", "calm-fox", "m5"),
		msg(6, "other", "6", "calm-fox", "m6"), msg(7, "other", "7", "calm-fox", "m7"))
	v := h.waitView("m7", func(v View) bool {
		return len(messageLines(v)) > 0 && messageLines(v)[len(messageLines(v))-1].Text == "m7"
	})
	if got := len(messageLines(v)); got != 7 {
		t.Fatalf("%d message lines after replay, want 7: %v", got, texts(v.Lines))
	}
	if hasLine(v, LineGap, "some messages may be missing") {
		t.Fatal("gap line despite recovered:true")
	}
}

func TestClient_GapLine_OnlyWhenSinceWasNotRecovered(t *testing.T) {
	h := start(t, defaultOptions())
	// A newcomer (since=0) is not told about a gap even if the window moved.
	relay, _ := h.connectWithReplay(wire.Welcome{Seq: 900, Recovered: false}, msg(900, "other", "x", "calm-fox", "latest"))
	v := h.waitView("message", func(v View) bool { return len(messageLines(v)) == 1 })
	if hasLine(v, LineGap, "some messages may be missing") {
		t.Fatal("gap line on the first connection")
	}
	relay.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	h.connectUnreplayed(wire.Welcome{Seq: 2000, Recovered: false})
	v = h.waitView("gap", func(v View) bool { return hasLine(v, LineGap, "some messages may be missing") })
	if last := v.Lines[len(v.Lines)-1]; last.Kind != LineGap {
		t.Fatalf("the gap line must follow the welcome, lines %v", texts(v.Lines))
	}
}

func TestClient_Epoch_NewSeqSpaceMergedWithoutReconnect(t *testing.T) {
	store := NewMemoryStore()
	o := defaultOptions()
	o.Store = store
	h := start(t, o)
	relay, _ := h.connect(wire.Welcome{Epoch: "epoch-1"})
	relay.send(t, msg(49, "other", "old-49", "calm-fox", "before"), msg(50, "other", "old-50", "calm-fox", "restart"))
	h.waitView("two", func(v View) bool { return len(messageLines(v)) == 2 })
	relay.drop()

	// The in-memory relay restarted: a new epoch, and it already holds
	// messages we never saw, one of them under a seq we hold.
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	req := h.transport.expectDial(t)
	if !strings.HasSuffix(req.url, "&since=50&epoch=epoch-1") {
		t.Fatalf("URL %q", req.url)
	}
	relay = req.accept()
	relay.welcome(t, wire.Welcome{Seq: 50, Recovered: false, Epoch: "epoch-2"})
	// The whole window: the relay knows since=50 is from another space. It
	// also holds a message we already have (same cid and id): shown once.
	relay.send(t, msg(1, "other", "new-1", "calm-fox", "missed 1"), msg(2, "other", "old-50", "calm-fox", "restart"),
		msg(50, "other", "new-50", "calm-fox", "same seq"))
	v := h.waitView("4 messages", func(v View) bool { return len(messageLines(v)) == 4 })
	want := []string{"calm-fox: before [delivered]", "calm-fox: restart [delivered]", "calm-fox: missed 1 [delivered]",
		"calm-fox: same seq [delivered]"}
	if got := texts(messageLines(v)); !slices.Equal(got, want) {
		t.Fatalf("lines %q", got)
	}
	if !hasLine(v, LineGap, "some messages may be missing") {
		t.Fatalf("no gap line although the old seq space may have lost messages: %q", texts(v.Lines))
	}
	// Handling a frame is synchronous: had the client given up this
	// connection for the new seq space, it would be ended by now.
	if v.State != StateOnline || !h.sessionAlive(relay) {
		t.Fatalf("state %v, connection given up: the new seq space needs no other connection", v.State)
	}

	if err := h.client.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := storedHistoryOf(t, store); got.Seq != 50 || got.Epoch != "epoch-2" || len(got.Messages) != 4 {
		t.Fatalf("stored seq %d epoch %q, %d messages", got.Seq, got.Epoch, len(got.Messages))
	}
	relay.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	if req := h.transport.expectDial(t); !strings.HasSuffix(req.url, "&since=50&epoch=epoch-2") {
		t.Fatalf("URL %q: want since in the new space", req.url)
	}
}

func TestClient_Epoch_EmptyNewRelayStartsAtZero(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{Epoch: "epoch-1"})
	relay.send(t, msg(10, "other", "a", "calm-fox", "x"))
	h.waitView("one", func(v View) bool { return len(messageLines(v)) == 1 })
	relay.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	relay, _ = h.connect(wire.Welcome{Seq: 0, Recovered: false, Epoch: "epoch-2"})
	h.client.mu.Lock()
	seq, epoch := h.client.lastSeq, h.client.epoch
	h.client.mu.Unlock()
	if seq != 0 || epoch != "epoch-2" {
		t.Fatalf("lastSeq %d epoch %q after adopting an empty seq space", seq, epoch)
	}
	h.client.RetryNow() // online: does nothing, not even later
	relay.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.expectNoDial() // a RetryNow kept from when online would skip this backoff
}

func TestClient_Epoch_UnknownAsksForWholeWindow(t *testing.T) {
	store := NewMemoryStore()
	// A history stored before epochs: its seq names no known seq space.
	storeHistory(t, store, "lobby", storedHistory{Seq: 5, Messages: []storedMessage{
		{Seq: 5, TS: 1, CID: "other", ID: "a", Nick: "calm-fox", Text: "old"},
	}})
	o := defaultOptions()
	o.Store = store
	h := start(t, o)
	req := h.transport.expectDial(t)
	if !strings.HasSuffix(req.url, "&since=0") {
		t.Fatalf("URL %q: without an epoch the last seq cannot be trusted", req.url)
	}
	relay := req.accept()
	// A relay without the extension: its welcome names no epoch.
	relay.send(t, wire.Welcome{Type: wire.TypeWelcome, Conn: "c-me", Seq: 2, Recovered: true})
	relay.send(t, msg(1, "other", "a", "calm-fox", "old"), msg(2, "other", "b", "calm-fox", "new"))
	v := h.waitView("two", func(v View) bool { return len(messageLines(v)) == 2 })
	if hasLine(v, LineGap, "some messages may be missing") {
		t.Fatalf("gap line for since=0: %q", texts(v.Lines))
	}
	relay.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	if req := h.transport.expectDial(t); !strings.HasSuffix(req.url, "&since=0") {
		t.Fatalf("URL %q: still no epoch known", req.url)
	}
}
