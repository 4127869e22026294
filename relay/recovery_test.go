package relay

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// fillRoom publishes n messages into room through a member that then leaves
// normally, and returns after the relay has echoed them all.
func fillRoom(t *testing.T, tr *testRelay, room string, n int) {
	t.Helper()
	c := tr.dial(t, query(room, "filler"))
	c.expect(wire.TypeWelcome)
	for i := 1; i <= n; i++ {
		c.pub(fmt.Sprintf("f%d", i), i)
		c.skipTo(wire.TypeMsg)
	}
	tr.leaveFrom(t, c)
}

func TestServer_Since_ReplayAndRecovered(t *testing.T) {
	tr := startRelay(t, Config{History: 3})
	keeper := tr.dial(t, query("r", "keeper")) // keeps the room alive
	keeper.expect(wire.TypeWelcome)
	fillRoom(t, tr, "r", 5) // the window keeps seq 3, 4, 5
	keeper.skipTo(wire.TypeLeave)

	for _, tc := range []struct {
		name          string
		since         string // "" means no since parameter
		wantRecovered bool
		wantReplay    []uint64
	}{
		{"absent: no replay", "", false, nil},
		{"zero: whole window, but seq 1 and 2 are gone", "0", false, []uint64{3, 4, 5}},
		{"messages after since are gone", "1", false, []uint64{3, 4, 5}},
		{"everything after since is kept", "2", true, []uint64{3, 4, 5}},
		{"partial replay", "4", true, []uint64{5}},
		{"up to date", "5", true, nil},
		{"beyond last seq: another seq space", "9", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			extra := []string{}
			if tc.since != "" {
				extra = []string{"since", tc.since}
			}
			c := tr.dial(t, query("r", "reader", extra...))
			w := c.expect(wire.TypeWelcome)
			if w.Seq != 5 || w.Recovered != tc.wantRecovered {
				t.Fatalf("welcome seq=%d recovered=%v, want 5 %v", w.Seq, w.Recovered, tc.wantRecovered)
			}
			for _, want := range tc.wantReplay {
				if m := c.expect(wire.TypeMsg); m.Seq != want || m.ID != fmt.Sprintf("f%d", want) {
					t.Fatalf("replayed %+v, want seq %d", m, want)
				}
			}
			c.quiet()
			c.leave()
			keeper.skipTo(wire.TypeLeave) // the next reader must not see this one leave
		})
	}
}

func TestServer_Since_ZeroRecoversWholeRoom(t *testing.T) {
	tr := startRelay(t, Config{})
	fresh := tr.dial(t, query("z", "first", "since", "0"))
	if w := fresh.expect(wire.TypeWelcome); !w.Recovered || w.Seq != 0 {
		t.Fatalf("since=0 into a new room: %+v, want recovered", w)
	}
	fresh.pub("1", "one")
	fresh.expect(wire.TypeMsg)
	c := tr.dial(t, query("z", "second", "since", "0"))
	if w := c.expect(wire.TypeWelcome); !w.Recovered || w.Seq != 1 {
		t.Fatalf("since=0 with the window starting at seq 1: %+v, want recovered", w)
	}
	if m := c.expect(wire.TypeMsg); m.Seq != 1 {
		t.Fatalf("replay = %+v", m)
	}
}

func TestServer_Since_AgeBoundsWindow(t *testing.T) {
	tr := startRelay(t, Config{HistoryAge: time.Minute})
	clock := newFakeClock()
	tr.memoryLogs().now = clock.now
	keeper := tr.dial(t, query("aged", "keeper"))
	keeper.expect(wire.TypeWelcome)
	keeper.pub("old", 1)
	keeper.expect(wire.TypeMsg)
	clock.advance(45 * time.Second)
	keeper.pub("new", 2)
	keeper.expect(wire.TypeMsg)
	clock.advance(30 * time.Second) // "old" is 75s old, "new" 30s

	c := tr.dial(t, query("aged", "late", "since", "0"))
	if w := c.expect(wire.TypeWelcome); w.Recovered || w.Seq != 2 {
		t.Fatalf("welcome = %+v, want seq 2 not recovered", w)
	}
	if m := c.expect(wire.TypeMsg); m.ID != "new" {
		t.Fatalf("replay = %+v, want only the message younger than history-age", m)
	}
	c.quiet()
}

// TestServer_Since_ReplayThenLiveNoGapNoDuplicate joins while messages flow:
// replay and live delivery together are exactly seq 1..N.
func TestServer_Since_ReplayThenLiveNoGapNoDuplicate(t *testing.T) {
	const total = 300
	// Queue holds every echo: the publisher reads none while it publishes, and
	// on a loaded machine its writer may not run before all 300 are queued. A
	// 1013 drop of the publisher is another test's subject.
	tr := startRelay(t, Config{Rate: 1e6, Burst: 1e6, History: total, Queue: 2 * total})
	pub := tr.dial(t, query("flow", "pub"))
	pub.expect(wire.TypeWelcome)

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= total; i++ {
			if err := pub.write(fmt.Sprintf(`{"type":"pub","id":"%d","data":%d}`, i, i)); err != nil {
				t.Errorf("publish: %v", err)
				return
			}
		}
	}()
	// Join once the flow has started.
	if m := pub.skipTo(wire.TypeMsg); m.Seq != 1 {
		t.Fatalf("first msg seq %d", m.Seq)
	}
	joiner := tr.dial(t, query("flow", "joiner", "since", "0"))
	if w := joiner.expect(wire.TypeWelcome); !w.Recovered {
		t.Fatalf("welcome = %+v, want recovered", w)
	}
	for want := uint64(1); want <= total; want++ {
		if m := joiner.expect(wire.TypeMsg); m.Seq != want {
			t.Fatalf("got seq %d, want %d", m.Seq, want)
		}
	}
	wg.Wait()
	joiner.quiet()
}

func TestServer_Window_EmptyRoomFreedAfterAge(t *testing.T) {
	tr := startRelay(t, Config{HistoryAge: 50 * time.Millisecond})
	freed := make(chan string, 4)
	tr.memoryLogs().onFree = func(name string) { freed <- name }

	silent := tr.dial(t, query("silent", "a"))
	silent.expect(wire.TypeWelcome)
	silent.leave()
	if got := waitFor(t, freed, "silent room freed"); got != "silent" {
		t.Fatalf("freed %q", got)
	}

	fillRoom(t, tr, "talked", 1)
	// The window keeps the room (and its seq space) until the message expires.
	if got := waitFor(t, freed, "talked room freed"); got != "talked" {
		t.Fatalf("freed %q", got)
	}
	if n := roomCount(tr); n != 0 {
		t.Fatalf("%d rooms left in memory", n)
	}
	c := tr.dial(t, query("talked", "b", "since", "1"))
	if w := c.expect(wire.TypeWelcome); w.Seq != 0 || w.Recovered {
		t.Fatalf("welcome into the recreated room = %+v, want seq 0 not recovered", w)
	}
}

// TestServer_Window_RoomKeptWhileWindowLives checks that a room left with
// messages is not freed at once: a client returning in time recovers.
func TestServer_Window_RoomKeptWhileWindowLives(t *testing.T) {
	tr := startRelay(t, Config{})
	fillRoom(t, tr, "kept", 2)
	if n := roomCount(tr); n != 1 {
		t.Fatalf("%d rooms, want the empty room kept for its window", n)
	}
	c := tr.dial(t, query("kept", "back", "since", "1"))
	if w := c.expect(wire.TypeWelcome); w.Seq != 2 || !w.Recovered {
		t.Fatalf("welcome = %+v", w)
	}
	if m := c.expect(wire.TypeMsg); m.Seq != 2 {
		t.Fatalf("replay = %+v", m)
	}
}

// roomCount is how many rooms the relay holds in memory (relay_rooms).
func roomCount(tr *testRelay) int { return int(tr.hub.held.n.Load()) }

// memoryLogs returns the relay's memory log store.
func (tr *testRelay) memoryLogs() *memoryLogs { return tr.hub.logs.(*memoryLogs) }

// fakeClock is a settable clock for the recovery window's age.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
