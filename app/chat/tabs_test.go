package chat

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// fakeLock is an OutboxLock shared by the clients of one test, like a Web
// Lock shared by the tabs of one browser profile.
type fakeLock struct{ token chan struct{} }

func newFakeLock() *fakeLock {
	l := &fakeLock{token: make(chan struct{}, 1)}
	l.token <- struct{}{}
	return l
}

func (l *fakeLock) acquire(ctx context.Context) (func(), error) {
	select {
	case <-l.token:
		var once sync.Once
		return func() { once.Do(func() { l.token <- struct{}{} }) }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// twoTabs runs two clients of one person (same cid, room, store and lock),
// as two tabs of one browser profile.
func twoTabs(t *testing.T) (a, b *harness, store Store) {
	store = NewMemoryStore()
	lock := newFakeLock()
	o := defaultOptions()
	o.Store, o.OutboxLock = store, lock.acquire
	a = start(t, o)
	o.Rand = func() float64 { return 0.25 } // tabs draw different message ids
	return a, start(t, o), store
}

func pubTexts(t *testing.T, relay *fakeRelay, n int) ([]string, []wire.ClientFrame) {
	t.Helper()
	var got []string
	var pubs []wire.ClientFrame
	for range n {
		pub := relay.nextOf(t, wire.TypePub)
		_, text := decodeMessageData(pub.Data)
		got = append(got, text)
		pubs = append(pubs, pub)
	}
	return got, pubs
}

// TestTabs_OutboxQueuedInBothSentOnceByTheFirstBack: both tabs offline, both
// queue; the tab that reconnects first sends both messages, the other sends
// neither (it waits for the lock), and once the first tab's link is gone the
// other takes over with only what is new.
func TestTabs_OutboxQueuedInBothSentOnceByTheFirstBack(t *testing.T) {
	a, b, store := twoTabs(t)
	if err := a.client.Send("from A"); err != nil {
		t.Fatal(err)
	}
	if err := b.client.Send("from B"); err != nil {
		t.Fatal(err)
	}
	if stored := loadOutbox(store, "lobby"); len(stored) != 2 {
		t.Fatalf("stored outbox has %d entries, want both tabs' messages", len(stored))
	}

	relayB, _ := b.connect(wire.Welcome{Conn: "c-b"}) // B is back first
	got, pubs := pubTexts(t, relayB, 2)
	if !slices.Equal(got, []string{"from A", "from B"}) {
		t.Fatalf("first tab back sent %q", got)
	}
	relayA, _ := a.connect(wire.Welcome{Conn: "c-a"})
	for _, relay := range []*fakeRelay{relayA, relayB} { // the relay echoes to every member
		relay.send(t, echo(t, 1, "me-cid", pubs[0]), echo(t, 2, "me-cid", pubs[1]))
	}
	for _, h := range []*harness{a, b} {
		h.waitView("both delivered", func(v View) bool {
			return statusOf(v, "from A") == StatusDelivered && statusOf(v, "from B") == StatusDelivered
		})
	}
	if stored := loadOutbox(store, "lobby"); len(stored) != 0 {
		t.Fatalf("stored outbox still has %d entries", len(stored))
	}

	relayB.drop() // A takes over the lock
	if err := a.client.Send("later"); err != nil {
		t.Fatal(err)
	}
	if got, _ := pubTexts(t, relayA, 1); got[0] != "later" {
		t.Fatalf("the second tab sent %q first, want only the new message", got[0])
	}
}

// queuedInBPendingInA runs two tabs (twoTabs); B, offline, queues "queued in
// B", and A, told of the outbox change, shows it pending.
func queuedInBPendingInA(t *testing.T) (a, b *harness, store Store) {
	t.Helper()
	a, b, store = twoTabs(t)
	if err := b.client.Send("queued in B"); err != nil {
		t.Fatal(err)
	}
	a.client.StoreChanged(outboxKey("lobby"))
	a.waitView("B's message pending in A", func(v View) bool { return statusOf(v, "queued in B") == StatusPending })
	return a, b, store
}

// deliverInB connects B, echoes the message it sends and writes what B has
// (its outbox without it, its history with it) to the store.
func deliverInB(t *testing.T, b *harness) {
	t.Helper()
	relayB, _ := b.connect(wire.Welcome{})
	relayB.send(t, echo(t, 1, "me-cid", relayB.nextOf(t, wire.TypePub)))
	b.waitView("delivered in B", func(v View) bool { return statusOf(v, "queued in B") == StatusDelivered })
	b.client.Flush()
}

// TestTabs_StoreChangedShowsWhatTheOtherTabQueuedAndDelivered: a tab learns
// of the other tab's queued message and of its delivery by re-reading the
// store when told (the storage event).
func TestTabs_StoreChangedShowsWhatTheOtherTabQueuedAndDelivered(t *testing.T) {
	a, b, _ := queuedInBPendingInA(t)
	deliverInB(t, b)
	a.client.StoreChanged(outboxKey("lobby"))
	a.client.StoreChanged(historyKey("lobby"))
	v := a.waitView("delivered in A", func(v View) bool { return statusOf(v, "queued in B") == StatusDelivered })
	if n := countLines(v, LineMessage, "queued in B"); n != 1 {
		t.Fatalf("A shows it %d times", n)
	}
}

// TestTabs_ADeliveredMessageWrittenBackByAStaleTabShowsOnce: two tabs change
// the shared outbox at once, so one writes back an entry the other had just
// removed when its echo came (store_cached.go allows that window). The
// message is delivered: every tab shows it once, as delivered, and the stored
// outbox drops it again; a tab that learns of the echo through the other
// tab's history, and a tab started from that store, show it once too.
func TestTabs_ADeliveredMessageWrittenBackByAStaleTabShowsOnce(t *testing.T) {
	a, b, store := queuedInBPendingInA(t)
	stale, ok := store.Get(outboxKey("lobby")) // what A's next change is based on
	if !ok {
		t.Fatal("nothing stored for B's queued message")
	}
	deliverInB(t, b)

	// A, offline, learns of the echo from B's history before it is told
	// of B's outbox change.
	a.client.StoreChanged(historyKey("lobby"))
	shownOnce := func(name string, v View) {
		t.Helper()
		if n, status := countLines(v, LineMessage, "queued in B"), statusOf(v, "queued in B"); n != 1 || status != StatusDelivered {
			t.Errorf("%s shows the message %d times, status %v; want once, delivered", name, n, status)
		}
	}
	shownOnce("A, after B's history", a.client.View())

	if err := store.Set(outboxKey("lobby"), stale); err != nil { // A's change, based on the old outbox
		t.Fatal(err)
	}
	b.client.StoreChanged(outboxKey("lobby"))
	shownOnce("B, after the stale write", b.client.View())
	if stored := loadOutbox(store, "lobby"); len(stored) != 0 {
		t.Errorf("the stored outbox lists %d entries after B read it, want the delivered one dropped", len(stored))
	}

	if err := store.Set(outboxKey("lobby"), stale); err != nil {
		t.Fatal(err)
	}
	o := defaultOptions()
	o.Store = store
	shownOnce("a tab started then", start(t, o).client.View())
}

// TestTabs_HistoryWritesMergeNotOverwrite: each tab writes what it received;
// neither erases what the other stored.
func TestTabs_HistoryWritesMergeNotOverwrite(t *testing.T) {
	a, b, store := twoTabs(t)
	relayA, _ := a.connect(wire.Welcome{})
	relayA.send(t, msg(1, "other", "a1", "calm-fox", "one"), msg(2, "other", "a2", "calm-fox", "two"))
	a.waitView("two messages", func(v View) bool { return len(messageLines(v)) == 2 })
	if err := a.client.Flush(); err != nil {
		t.Fatal(err)
	}
	b.connectWithReplay(wire.Welcome{Seq: 3}, msg(3, "other", "a3", "calm-fox", "three"))
	b.waitView("three", func(v View) bool { return hasLine(v, LineMessage, "three") })
	if err := b.client.Flush(); err != nil {
		t.Fatal(err)
	}
	got := storedHistoryOf(t, store)
	var stored []string
	for _, m := range got.Messages {
		stored = append(stored, m.Text)
	}
	if !slices.Equal(stored, []string{"one", "two", "three"}) || got.Seq != 3 {
		t.Fatalf("stored %q seq %d, want both tabs' messages", stored, got.Seq)
	}
	// B shows what only A received once it re-reads the store.
	b.client.StoreChanged(historyKey("lobby"))
	v := b.waitView("A's messages in B", func(v View) bool { return hasLine(v, LineMessage, "one") })
	if len(messageLines(v)) != 3 {
		t.Fatalf("B shows %q", texts(messageLines(v)))
	}
}
