package chat

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// storedMsg is a message from cid as an earlier session stored it.
func storedMsg(seq uint64, cid, id, text string) storedMessage {
	return storedMessage{Seq: seq, TS: 1_740_000_000_000 + int64(seq), CID: cid, ID: id, Nick: "calm-fox", Text: text}
}

// storeMark writes room's read mark at m, as another tab would have.
func storeMark(t *testing.T, s Store, room string, m storedMessage) {
	t.Helper()
	if err := s.Set(readMarkKey(room), encodeReadMark(ReadMark{Key: m.key(), Time: time.UnixMilli(m.TS)})); err != nil {
		t.Fatal(err)
	}
}

func storedMarkKey(t *testing.T, s Store, room string) string {
	t.Helper()
	m, ok := loadReadMark(s, room)
	if !ok {
		t.Fatal("no read mark stored")
	}
	return m.Key
}

// TestClient_ReadMark_UnreadMentionsAndFirstUnread: View counts the
// messages from others after the read mark, as CountUnread does (mine,
// system lines and a deleted message do not count; mentions are of my
// nick, also after a rename), and names the first; MarkRead reads them all,
// but not while hidden, and becoming visible alone reads nothing.
func TestClient_ReadMark_UnreadMentionsAndFirstUnread(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{})
	relay.send(t, msg(1, "other", "m1", "calm-fox", "before"))
	h.waitView("one", func(v View) bool { return len(messageLines(v)) == 1 })
	if v := h.client.View(); v.Unread != 1 || v.FirstUnread != "other/m1" {
		t.Fatalf("a new room: unread %d, first %q; want 1, other/m1", v.Unread, v.FirstUnread)
	}
	h.client.MarkRead()
	if v := h.client.View(); v.Unread != 0 || v.Mentions != 0 || v.FirstUnread != "" {
		t.Fatalf("after MarkRead: %d unread, %d mentions, first %q", v.Unread, v.Mentions, v.FirstUnread)
	}

	h.client.SetVisible(false)
	if err := h.client.Send("mine"); err != nil {
		t.Fatal(err)
	}
	pub := relay.nextOf(t, wire.TypePub)
	deleteData, _ := json.Marshal(messageData{Nick: "calm-fox", Text: "deleted a message", Ref: &refData{Kind: refDelete, CID: "other", ID: "m4"}})
	relay.send(t,
		msg(2, "other", "m2", "calm-fox", "hi @Brave-Otter"),
		echo(t, 3, "me-cid", pub),
		msg(4, "other", "m4", "calm-fox", "oops @brave-otter"),
		msg(5, "other", "m5", "calm-fox", "lunch? @someone-else"),
		wire.Msg{Type: wire.TypeMsg, Seq: 6, TS: 1_740_000_000_006, CID: "other", ID: "m6", Data: deleteData},
		msg(7, "other", "m7", "calm-fox", "@someone-else"),
	)
	v := h.waitView("all", func(v View) bool { return len(messageLines(v)) == 6 && messageLines(v)[5].Text == "@someone-else" })
	if v.Unread != 3 || v.Mentions != 1 || v.FirstUnread != "other/m2" {
		t.Fatalf("unread %d, mentions %d, first %q; want 3, 1, other/m2", v.Unread, v.Mentions, v.FirstUnread)
	}
	if err := h.client.SetNick("someone-else"); err != nil {
		t.Fatal(err)
	}
	if v := h.client.View(); v.Mentions != 2 || v.Unread != 3 {
		t.Fatalf("after the rename: %d mentions of %d, want the two of the new nick", v.Mentions, v.Unread)
	}

	h.client.MarkRead() // hidden: nothing is read
	h.client.SetVisible(true)
	if v := h.client.View(); v.Unread != 3 {
		t.Fatalf("unread %d after MarkRead while hidden and becoming visible, want 3 still", v.Unread)
	}
	h.client.MarkRead()
	if v := h.client.View(); v.Unread != 0 || v.FirstUnread != "" {
		t.Fatalf("after MarkRead: unread %d, first %q", v.Unread, v.FirstUnread)
	}
	relay.send(t, msg(8, "other", "m8", "calm-fox", "after"))
	v = h.waitView("m8", func(v View) bool { return len(messageLines(v)) == 7 })
	if v.Unread != 1 || v.FirstUnread != "other/m8" {
		t.Fatalf("unread %d, first %q; want 1, other/m8", v.Unread, v.FirstUnread)
	}
}

// TestClient_ReadMark_PersistsAcrossNew: the mark is stored, at once after
// a quiet period and coalesced while the person reads along a flood, and a
// new Client of the room starts from it.
func TestClient_ReadMark_PersistsAcrossNew(t *testing.T) {
	store := newCountingStore()
	storeHistory(t, store, "lobby", storedHistory{Seq: 2, Epoch: testEpoch, Messages: []storedMessage{
		storedMsg(1, "other", "m1", "one"), storedMsg(2, "other", "m2", "two"),
	}})
	storeMark(t, store, "lobby", storedMsg(1, "other", "m1", "one"))
	o := defaultOptions()
	o.Store = store
	h := start(t, o)
	if v := h.client.View(); v.Unread != 1 || v.FirstUnread != "other/m2" {
		t.Fatalf("from the stored mark: unread %d, first %q", v.Unread, v.FirstUnread)
	}
	h.client.MarkRead()
	if got := storedMarkKey(t, store, "lobby"); got != "other/m2" {
		t.Fatalf("stored mark %q right after MarkRead, want other/m2", got)
	}
	relay, _ := h.connect(wire.Welcome{Epoch: testEpoch})
	relay.send(t, msg(3, "other", "m3", "calm-fox", "three"))
	h.waitView("m3", func(v View) bool { return len(messageLines(v)) == 3 })
	h.client.MarkRead()
	writes := store.count(readMarkKey("lobby"))
	if got := storedMarkKey(t, store, "lobby"); got != "other/m2" {
		t.Fatalf("stored mark %q within DefaultPersistDelay of the last write, want it coalesced", got)
	}
	h.client.MarkRead() // nothing new: nothing to write
	h.clock.Advance(DefaultPersistDelay)
	if got := storedMarkKey(t, store, "lobby"); got != "other/m3" || store.count(readMarkKey("lobby")) != writes+1 {
		t.Fatalf("stored mark %q after %v (%d writes), want other/m3 in one write", got, DefaultPersistDelay, store.count(readMarkKey("lobby"))-writes)
	}

	again := New(Options{Room: "lobby", CID: "me-cid", Store: store, Clock: h.clock, Transport: newFakeTransport()})
	if v := again.View(); v.Unread != 0 || v.FirstUnread != "" {
		t.Fatalf("a new Client: unread %d, first %q; want the stored mark", v.Unread, v.FirstUnread)
	}
}

// TestClient_ReadMark_HistoryBeforeMarksStartsRead: a room with history
// stored but no mark (stored before marks existed) starts read up to it.
func TestClient_ReadMark_HistoryBeforeMarksStartsRead(t *testing.T) {
	store := NewMemoryStore()
	storeHistory(t, store, "lobby", storedHistory{Seq: 2, Epoch: testEpoch, Messages: []storedMessage{
		storedMsg(1, "other", "m1", "one"), storedMsg(2, "other", "m2", "two"),
	}})
	_ = store.Set(readMarkKey("lobby"), "damaged") // as good as none
	c := New(Options{Room: "lobby", CID: "me-cid", Store: store, Clock: newManualClock(), Transport: newFakeTransport()})
	if v := c.View(); v.Unread != 0 {
		t.Fatalf("unread %d, want 0", v.Unread)
	}
}

// TestClient_ReadMark_OnlyMovesForwardAcrossTabs: two tabs share the store.
// One that read less never writes its mark over the other's: it takes the
// stored one instead, on its own write and when told of the other's.
func TestClient_ReadMark_OnlyMovesForwardAcrossTabs(t *testing.T) {
	store := NewMemoryStore()
	m1, m2, m3 := storedMsg(1, "other", "m1", "one"), storedMsg(2, "other", "m2", "two"), storedMsg(3, "other", "m3", "three")
	storeMark(t, store, "lobby", m1)
	storeHistory(t, store, "lobby", storedHistory{Seq: 2, Epoch: testEpoch, Messages: []storedMessage{m1, m2}})
	behind := New(Options{Room: "lobby", CID: "me-cid", Store: store, Clock: newManualClock(), Transport: newFakeTransport()})
	storeHistory(t, store, "lobby", storedHistory{Seq: 3, Epoch: testEpoch, Messages: []storedMessage{m1, m2, m3}})
	ahead := New(Options{Room: "lobby", CID: "me-cid", Store: store, Clock: newManualClock(), Transport: newFakeTransport()})

	ahead.MarkRead()
	behind.MarkRead() // read up to m2 only: the stored m3 wins
	if got := storedMarkKey(t, store, "lobby"); got != m3.key() {
		t.Fatalf("stored mark %q, want %q: a tab that read less moved it back", got, m3.key())
	}
	if v := behind.View(); v.Unread != 0 {
		t.Fatalf("the tab behind shows %d unread, want the stored mark taken", v.Unread)
	}

	// Told of another tab's write, a tab takes a newer mark, never an older one.
	storeMark(t, store, "lobby", m2)
	ahead.StoreChanged(readMarkKey("lobby"))
	if v := ahead.View(); v.Unread != 0 {
		t.Fatalf("an older stored mark moved the mark back: %d unread", v.Unread)
	}
	storeMark(t, store, "lobby", m1)
	other := New(Options{Room: "lobby", CID: "me-cid", Store: store, Clock: newManualClock(), Transport: newFakeTransport()})
	storeMark(t, store, "lobby", m3)
	other.StoreChanged(readMarkKey("lobby"))
	if v := other.View(); v.Unread != 0 {
		t.Fatalf("after another tab's newer mark: %d unread, want 0", v.Unread)
	}
}

// TestClient_ReadMark_FlushWritesPending: Flush writes a mark whose
// coalesced write is still pending.
func TestClient_ReadMark_FlushWritesPending(t *testing.T) {
	store := NewMemoryStore()
	m1, m2 := storedMsg(1, "other", "m1", "one"), storedMsg(2, "other", "m2", "two")
	storeMark(t, store, "lobby", m1)
	storeHistory(t, store, "lobby", storedHistory{Seq: 1, Epoch: testEpoch, Messages: []storedMessage{m1}})
	o := defaultOptions()
	o.Store = store
	h := start(t, o)
	relay, _ := h.connect(wire.Welcome{Epoch: testEpoch})
	relay.send(t, msg(2, "other", "m2", "calm-fox", "two"))
	h.waitView("m2", func(v View) bool { return len(messageLines(v)) == 2 })
	h.client.MarkRead() // the first write: at once, but of m2 already
	relay.send(t, msg(3, "other", "m3", "calm-fox", "three"))
	h.waitView("m3", func(v View) bool { return len(messageLines(v)) == 3 })
	h.client.MarkRead()
	if got := storedMarkKey(t, store, "lobby"); got != m2.key() {
		t.Fatalf("stored %q, want %q until the delay is over", got, m2.key())
	}
	if err := h.client.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := storedMarkKey(t, store, "lobby"); got != "other/m3" {
		t.Fatalf("stored %q after Flush, want other/m3", got)
	}
}

// TestClient_ReadMark_ForgottenWithHistory: a room that drops off the
// stored rooms (budget.go) loses its mark with its history.
func TestClient_ReadMark_ForgottenWithHistory(t *testing.T) {
	store := NewMemoryStore()
	openedRoom(store, "old")
	storeMark(t, store, "old", storedMsg(1, "other", "m1", "one"))
	for i := range MaxStoredRooms - 1 {
		openedRoom(store, fmt.Sprintf("room-%d", i))
	}
	if _, ok := store.Get(readMarkKey("old")); !ok {
		t.Fatal("the mark went while the room is still among the stored ones")
	}
	openedRoom(store, "one-more")
	if _, ok := store.Get(readMarkKey("old")); ok {
		t.Fatal("the mark of a room whose history was removed is still stored")
	}
}

// BenchmarkClient_Unread measures View with 500 stored messages (300
// shown) when the unread count must be counted again, as after every
// change during a flood: all unread (the page hidden, every line a
// mention), read up to the last but one (a person reading along), and
// View alone (the count cached) to compare with.
func BenchmarkClient_Unread(b *testing.B) {
	store := NewMemoryStore()
	var msgs []storedMessage
	for i := range MaxHistory {
		msgs = append(msgs, storedMsg(uint64(i+1), "other", fmt.Sprintf("m%d", i+1), fmt.Sprintf("line %d for @brave-otter", i+1)))
	}
	storeHistory(b, store, "lobby", storedHistory{Seq: MaxHistory, Epoch: testEpoch, Messages: msgs})
	for _, tc := range []struct {
		name  string
		mark  storedMessage
		stale bool
	}{
		{"all-unread", storedMsg(0, "other", "m0", ""), true},
		{"reading-along", msgs[len(msgs)-2], true},
		{"view-cached", msgs[len(msgs)-2], false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			_ = store.Set(readMarkKey("lobby"), encodeReadMark(ReadMark{Key: tc.mark.key(), Time: time.UnixMilli(tc.mark.TS)}))
			c := New(Options{Room: "lobby", CID: "me-cid", Nick: "brave-otter", Store: store, Clock: newManualClock(), Transport: newFakeTransport()})
			b.ReportAllocs()
			for b.Loop() {
				c.mu.Lock()
				c.unreadStale = tc.stale
				c.mu.Unlock()
				c.View()
			}
		})
	}
}
