package relay

import (
	"fmt"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// epochOf joins room as cid without since and returns the welcome's epoch.
func epochOf(t *testing.T, tr *testRelay, room, cid string) string {
	t.Helper()
	c := tr.dial(t, query(room, cid))
	w := c.expect(wire.TypeWelcome)
	tr.leaveFrom(t, c)
	if !wire.ValidEpoch(w.Epoch) || len(w.Epoch) != 16 {
		t.Fatalf("welcome epoch %q, want 16 hex digits", w.Epoch)
	}
	return w.Epoch
}

func TestServer_Epoch_StableWhileRoomLives(t *testing.T) {
	tr := startRelay(t, Config{})
	fillRoom(t, tr, "e", 2) // the window keeps the empty room alive
	first := epochOf(t, tr, "e", "a")
	if again := epochOf(t, tr, "e", "b"); again != first {
		t.Fatalf("epoch changed from %q to %q while the room lived", first, again)
	}
	if other := epochOf(t, tr, "other-room", "a"); other == first {
		t.Fatalf("two rooms share the epoch %q", first)
	}
}

func TestServer_Epoch_NewAfterRoomFreed(t *testing.T) {
	tr := startRelay(t, Config{HistoryAge: 50 * time.Millisecond})
	freed := make(chan string, 4)
	tr.memoryLogs().onFree = func(name string) { freed <- name }
	keeper := tr.dial(t, query("f", "keeper")) // no freeing before we read the epoch
	before := keeper.expect(wire.TypeWelcome).Epoch
	fillRoom(t, tr, "f", 1)
	keeper.leave()
	waitFor(t, freed, "room freed")
	if after := epochOf(t, tr, "f", "a"); after == before {
		t.Fatalf("the recreated room kept the epoch %q", before)
	}
}

func TestServer_Epoch_NewAfterRelayRestart(t *testing.T) {
	old := startRelay(t, Config{})
	fillRoom(t, old, "r", 3)
	oldEpoch := epochOf(t, old, "r", "a")

	restarted := startRelay(t, Config{}) // the same room, in a new process's memory
	fillRoom(t, restarted, "r", 1)
	newEpoch := epochOf(t, restarted, "r", "a")
	if newEpoch == oldEpoch {
		t.Fatalf("the restarted relay reuses the epoch %q", oldEpoch)
	}

	// The client that saw seq 1..3 of the old space: seq 2 names nothing it
	// has, so it gets the whole window and is told it may have lost some.
	c := restarted.dial(t, query("r", "back", "since", "2", "epoch", oldEpoch))
	w := c.expect(wire.TypeWelcome)
	if w.Seq != 1 || w.Recovered || w.Epoch != newEpoch {
		t.Fatalf("welcome = %+v, want seq 1, recovered false, epoch %q", w, newEpoch)
	}
	if m := c.expect(wire.TypeMsg); m.Seq != 1 || m.ID != "f1" {
		t.Fatalf("replay = %+v, want the new space's seq 1", m)
	}
	c.quiet()
}

func TestServer_Epoch_SinceWithEpoch(t *testing.T) {
	tr := startRelay(t, Config{History: 5})
	keeper := tr.dial(t, query("s", "keeper"))
	epoch := keeper.expect(wire.TypeWelcome).Epoch
	fillRoom(t, tr, "s", 4)
	keeper.skipTo(wire.TypeLeave)

	for _, tc := range []struct {
		name          string
		extra         []string
		wantRecovered bool
		wantReplay    []uint64
	}{
		{"same epoch: normal since", []string{"since", "2", "epoch", epoch}, true, []uint64{3, 4}},
		{"same epoch, up to date", []string{"since", "4", "epoch", epoch}, true, nil},
		{"other epoch: whole window", []string{"since", "2", "epoch", "0123456789abcdef"}, false, []uint64{1, 2, 3, 4}},
		{"other epoch, since beyond last seq", []string{"since", "9", "epoch", "old_epoch-1"}, false, []uint64{1, 2, 3, 4}},
		{"other epoch, since zero", []string{"since", "0", "epoch", "old"}, false, []uint64{1, 2, 3, 4}},
		{"no epoch: as before", []string{"since", "2"}, true, []uint64{3, 4}},
		{"epoch without since: no replay", []string{"epoch", "old"}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tr.dial(t, query("s", "reader", tc.extra...))
			w := c.expect(wire.TypeWelcome)
			if w.Seq != 4 || w.Recovered != tc.wantRecovered || w.Epoch != epoch {
				t.Fatalf("welcome seq=%d recovered=%v epoch=%q, want 4 %v %q", w.Seq, w.Recovered, w.Epoch, tc.wantRecovered, epoch)
			}
			for _, want := range tc.wantReplay {
				if m := c.expect(wire.TypeMsg); m.Seq != want || m.ID != fmt.Sprintf("f%d", want) {
					t.Fatalf("replayed %+v, want seq %d", m, want)
				}
			}
			c.quiet()
			c.leave()
			keeper.skipTo(wire.TypeLeave)
		})
	}
}
