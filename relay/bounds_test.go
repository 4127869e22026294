package relay

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// floodData is a pub's data of about n bytes.
func floodData(n int) string { return strconv.Quote(strings.Repeat("x", n)) }

// floodRoom joins room alone, publishes n messages of size bytes, reads
// them back, leaves, and returns the room's epoch and last seq.
func floodRoom(t *testing.T, tr *testRelay, room string, n, size int) (epoch string, last uint64) {
	t.Helper()
	c, w := joinRoom(t, tr, room, "flooder")
	data := floodData(size)
	for i := 1; i <= n; i++ {
		if err := c.write(fmt.Sprintf(`{"type":"pub","id":"f%d","data":%s}`, i, data)); err != nil {
			t.Fatal(err)
		}
		last = c.skipTo(wire.TypeMsg).Seq
	}
	c.leave()
	return w.Epoch, last
}

// TestServer_HistoryBytes_FloodEvictsLeastRecentRooms is the flood of
// issue 10 scaled down: connections each alone in a room publish more
// than -history-bytes in sum, then leave. The sum of the windows stays
// under the budget, the oldest rooms are evicted first, and a client
// coming back into an evicted room learns it (recovered:false).
func TestServer_HistoryBytes_FloodEvictsLeastRecentRooms(t *testing.T) {
	const budget, rooms, perRoom, size = 64 << 10, 8, 6, 4 << 10
	tr := startRelay(t, Config{HistoryBytes: budget, RoomHistoryBytes: 32 << 10, Rate: 1e6, Burst: 1e6})
	epochs := make([]string, rooms)
	lasts := make([]uint64, rooms)
	for i := range rooms {
		epochs[i], lasts[i] = floodRoom(t, tr, "flood-"+strconv.Itoa(i), perRoom, size)
	}
	if held := tr.memoryLogs().bytes.Load(); held > budget {
		t.Errorf("windows hold %d bytes, over -history-bytes %d", held, budget)
	}
	if got := metricValue(t, tr, "relay_history_bytes"); got == "" || mustAtoi(t, got) > budget {
		t.Errorf("relay_history_bytes = %q, want at most %d", got, budget)
	}
	if got := metricValue(t, tr, "relay_history_evictions_total"); got == "" || got == "0" {
		t.Errorf("relay_history_evictions_total = %q, want evictions", got)
	}

	// The first room was the least recently active: evicted.
	c, w := joinRoom(t, tr, "flood-0", "back", "since", strconv.FormatUint(lasts[0], 10), "epoch", epochs[0])
	if w.Recovered {
		t.Errorf("since= into the evicted room: %+v, want recovered:false", w)
	}
	c.leave()
	// The last room was the most recently active: its window is whole.
	last := rooms - 1
	c, w = joinRoom(t, tr, "flood-"+strconv.Itoa(last), "back",
		"since", strconv.FormatUint(lasts[last]-1, 10), "epoch", epochs[last])
	if !w.Recovered || c.expect(wire.TypeMsg).Seq != lasts[last] {
		t.Errorf("since= into the newest room: %+v, want recovered with seq %d", w, lasts[last])
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return int(f)
}

// TestServer_RoomHistoryBytes_BoundsOneWindow fills one room with more
// than -room-history-bytes: a late joiner replays only what fits and is
// told that the rest is gone.
func TestServer_RoomHistoryBytes_BoundsOneWindow(t *testing.T) {
	const limit, size = 16 << 10, 4 << 10
	tr := startRelay(t, Config{RoomHistoryBytes: limit, Rate: 1e6, Burst: 1e6})
	keeper, _ := joinRoom(t, tr, "big", "keeper")
	data := floodData(size)
	for i := 1; i <= 10; i++ {
		if err := keeper.write(fmt.Sprintf(`{"type":"pub","id":"b%d","data":%s}`, i, data)); err != nil {
			t.Fatal(err)
		}
		keeper.skipTo(wire.TypeMsg)
	}
	c, w := joinRoom(t, tr, "big", "late", "since", "0")
	if w.Recovered || w.Seq != 10 {
		t.Fatalf("welcome = %+v, want seq 10 not recovered", w)
	}
	kept := 0
	for seq := uint64(0); seq != 10; kept++ {
		seq = c.expect(wire.TypeMsg).Seq
	}
	if kept*size > limit {
		t.Errorf("replayed %d messages of %d bytes, over -room-history-bytes %d", kept, size, limit)
	}
}

// TestServer_MaxRooms_NewRoomRefused503 holds -max-rooms rooms: a
// handshake into another room is refused with 503 "too many rooms", the
// held rooms stay open, and a freed room makes space again.
func TestServer_MaxRooms_NewRoomRefused503(t *testing.T) {
	tr := startRelay(t, Config{MaxRooms: 2})
	freed := make(chan string, 4)
	tr.memoryLogs().onFree = func(name string) { freed <- name }
	a, _ := joinRoom(t, tr, "one", "a")
	b, _ := joinRoom(t, tr, "two", "b")

	_, resp, err := tr.dialRaw(query("three", "c"), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("handshake into a third room: %v %+v, want 503", err, resp)
	}
	if status, body, _ := plainGet(t, tr, query("three", "c"), ""); status != 503 || !strings.Contains(body, "too many rooms") {
		t.Fatalf("diagnosis = %d %q, want 503 too many rooms", status, body)
	}
	if got := metricValue(t, tr, `relay_rejected_total{reason="rooms"}`); got != "1" {
		t.Errorf(`relay_rejected_total{reason="rooms"} = %q, want 1`, got)
	}
	joinRoom(t, tr, "one", "d") // an existing room is never refused

	a.leave() // "one" still has d
	tr.dial(t, query("one", "e")).expect(wire.TypeWelcome)
	_, resp, err = tr.dialRaw(query("three", "c"), nil)
	if err == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("still two rooms held, yet a third was accepted")
	}

	b.leave() // "two" has no member and no message left: freed
	if got := waitFor(t, freed, "room two freed"); got != "two" {
		t.Fatalf("freed %q", got)
	}
	tr.dial(t, query("three", "c")).expect(wire.TypeWelcome)
}
