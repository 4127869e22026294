package chat

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// A flood (issue 14: 5 000 messages at 50/s into an open page) must not
// make the client allocate in proportion to its whole history per message:
// in the browser every byte allocated brings Go's next collection nearer,
// and its marking runs on the page's one thread.

// TestClient_History_FullHistoryAllocatesLittlePerMessage: with the
// history full (MaxHistory), a new message costs a few KB, not a copy of
// the 500 kept (65 KB a message before).
func TestClient_History_FullHistoryAllocatesLittlePerMessage(t *testing.T) {
	h := start(t, defaultOptions())
	relay, _ := h.connect(wire.Welcome{})
	frame := func(from, n int) string {
		lines := make([]string, 0, n)
		for i := from; i < from+n; i++ {
			raw, err := json.Marshal(msg(uint64(i), "other", fmt.Sprint(i), "calm-fox", fmt.Sprint("m", i)))
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, string(raw))
		}
		return strings.Join(lines, "\n")
	}
	lastIs := func(i int) func(View) bool {
		want := fmt.Sprint("m", i)
		return func(v View) bool { return len(v.Lines) > 0 && v.Lines[len(v.Lines)-1].Text == want }
	}
	relay.sendRaw(t, frame(1, MaxHistory))
	h.waitView("a full history", lastIs(MaxHistory))

	const n = 1000
	flood := frame(MaxHistory+1, n)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	relay.sendRaw(t, flood)
	h.waitView("the flood", lastIs(MaxHistory+n))
	runtime.ReadMemStats(&after)
	const limit = 16 << 10
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > limit {
		t.Errorf("%d bytes allocated per message into a full history, want at most %d", per, limit)
	}
}

// TestClient_History_OwnWriteIsNotReadBack: while the stored history is
// what this client wrote last, writing it again neither decodes nor merges
// it (a flood writes once a second: 500 messages decoded each time).
func TestClient_History_OwnWriteIsNotReadBack(t *testing.T) {
	store := NewMemoryStore()
	stored := storedHistory{Seq: MaxHistory, Epoch: testEpoch}
	for i := 1; i <= MaxHistory; i++ {
		stored.Messages = append(stored.Messages, storedMsg(uint64(i), "other", fmt.Sprint(i), fmt.Sprint("m", i)))
	}
	storeHistory(t, store, "lobby", stored)
	o := defaultOptions()
	o.Store = store
	c := newHarness(t, o).client

	c.mu.Lock()
	allocs := testing.AllocsPerRun(5, func() {
		c.historyDirty = true
		if err := c.persistHistoryLocked(); err != nil {
			t.Fatal(err)
		}
	})
	c.mu.Unlock()
	// Encoding allocates a handful; decoding 500 messages, thousands.
	if allocs > 100 {
		t.Errorf("%.0f allocations per write of an unchanged history, want it not read back", allocs)
	}
	if got := storedHistoryOf(t, store); got.Seq != MaxHistory || len(got.Messages) != MaxHistory {
		t.Fatalf("stored seq %d, %d messages", got.Seq, len(got.Messages))
	}

	// Another tab's write is still merged in.
	other := stored
	other.Seq++
	other.Messages = append(slices.Clone(stored.Messages[1:]), storedMsg(MaxHistory+1, "other", "new", "from another tab"))
	storeHistory(t, store, "lobby", other)
	c.mu.Lock()
	c.historyDirty = true
	err := c.persistHistoryLocked()
	c.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	got := storedHistoryOf(t, store)
	if last := got.Messages[len(got.Messages)-1]; last.Text != "from another tab" || got.Seq != MaxHistory+1 {
		t.Fatalf("stored seq %d ending %q: another tab's message lost", got.Seq, last.Text)
	}
	if !hasLine(c.View(), LineMessage, "from another tab") {
		t.Error("another tab's message not shown")
	}
}

// TestMergeHistory_SameAsInsertingEveryStoredMessage: mergeHistory skips
// the stored messages the MaxHistory cut would drop; what it returns is
// what inserting every one of them by time, then cutting, returns.
func TestMergeHistory_SameAsInsertingEveryStoredMessage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 400 {
		mine := randomHistory(rng, rng.IntN(MaxHistory+1), 0)
		stored := randomHistory(rng, rng.IntN(MaxHistory+1), len(mine.Messages)/2)
		if round%2 == 1 {
			// Around the cut: a few stored messages into a (nearly) full
			// history, where the oldest kept is decided.
			mine = randomHistory(rng, MaxHistory-rng.IntN(4), 0)
			stored = randomHistory(rng, 1+rng.IntN(8), len(mine.Messages)-rng.IntN(4))
		}
		// Some of the stored messages are mine too.
		for i := range stored.Messages {
			if len(mine.Messages) > 0 && rng.IntN(3) == 0 {
				stored.Messages[i] = mine.Messages[rng.IntN(len(mine.Messages))]
			}
		}
		got := mergeHistory(stored, mine)
		want := mergeHistoryEveryMessage(stored, mine)
		if !slices.Equal(historyKeys(got), historyKeys(want)) || got.Seq != want.Seq || got.Epoch != want.Epoch {
			t.Fatalf("round %d: merged %v (seq %d), want %v (seq %d)", round, historyKeys(got), got.Seq, historyKeys(want), want.Seq)
		}
	}
}

// randomHistory is n messages with times that mostly increase, from ids
// counting from first.
func randomHistory(rng *rand.Rand, n, first int) storedHistory {
	h := storedHistory{Seq: uint64(rng.IntN(1000)), Epoch: testEpoch}
	ts := int64(0)
	for i := range n {
		ts += int64(rng.IntN(3)) // equal times too
		if rng.IntN(20) == 0 {
			ts -= 5 // and now and then an earlier one
		}
		h.Messages = append(h.Messages, storedMessage{Seq: uint64(i), TS: ts, CID: "c", ID: fmt.Sprint(first + i)})
	}
	return h
}

// mergeHistoryEveryMessage is mergeHistory as it was written first: every
// stored message put in by its time, then the oldest cut.
func mergeHistoryEveryMessage(stored, mine storedHistory) storedHistory {
	out := storedHistory{Seq: mine.Seq, Epoch: mine.Epoch, Messages: slices.Clone(mine.Messages)}
	if stored.Epoch == mine.Epoch && stored.Seq > mine.Seq {
		out.Seq = stored.Seq
	}
	have := map[string]bool{}
	for _, m := range mine.Messages {
		have[m.key()] = true
	}
	for _, m := range stored.Messages {
		if have[m.key()] {
			continue
		}
		i := len(out.Messages)
		for i > 0 && out.Messages[i-1].TS > m.TS {
			i--
		}
		out.Messages = slices.Insert(out.Messages, i, m)
		have[m.key()] = true
	}
	if over := len(out.Messages) - MaxHistory; over > 0 {
		out.Messages = out.Messages[over:]
	}
	return out
}

func historyKeys(h storedHistory) []string {
	keys := make([]string, len(h.Messages))
	for i, m := range h.Messages {
		keys[i] = m.key()
	}
	return keys
}
