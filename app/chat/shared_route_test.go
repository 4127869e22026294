package chat

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestSharedLink_Route_EachRoomGetsItsObjectsInOrder: route hands a
// frame whose objects are all one room's to that room as it is (a replay),
// and splits a frame of several rooms into each room's objects, in order,
// with the pong for every room and the objects of a room not on the link
// dropped.
func TestSharedLink_Route_EachRoomGetsItsObjectsInOrder(t *testing.T) {
	l := newSharedLink(NewSharedTransport(nil, nil), "key")
	l.subbed = true
	a, b := newSharedConn(l, "a", true), newSharedConn(l, "b", false)
	l.first, l.rooms = a, map[string]*sharedConn{"a": a, "b": b}
	read := func(vc *sharedConn) []string {
		t.Helper()
		var got []string
		for {
			vc.mu.Lock()
			n := len(vc.queue)
			vc.mu.Unlock()
			if n == 0 {
				return got
			}
			frame, err := vc.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(frame))
		}
	}
	msg := func(room, id string) string {
		return `{"type":"msg","room":"` + room + `","seq":1,"ts":2,"conn":"c","cid":"x","id":"` + id + `","data":1}`
	}

	replay := strings.Join([]string{msg("b", "1"), msg("b", "2"), msg("b", "3")}, "\n")
	l.route([]byte(replay))
	if got := read(b); !slices.Equal(got, []string{replay}) {
		t.Errorf("room b got %q from its replay, want the frame as it is", got)
	}
	if got := read(a); len(got) != 0 {
		t.Errorf("room a got %q from room b's replay", got)
	}

	pong := `{"type":"pong"}`
	mixed := strings.Join([]string{msg("a", "4"), msg("b", "5"), msg("b", "6"), msg("gone", "7"), pong, msg("a", "8"), `{"type":"error","code":"rate_limited","id":"9"}`}, "\n")
	l.route([]byte(mixed))
	if got, want := read(a), []string{msg("a", "4"), pong, msg("a", "8") + "\n" + `{"type":"error","code":"rate_limited","id":"9"}`}; !slices.Equal(got, want) {
		t.Errorf("room a got %q, want %q", got, want)
	}
	if got, want := read(b), []string{msg("b", "5") + "\n" + msg("b", "6"), pong}; !slices.Equal(got, want) {
		t.Errorf("room b got %q, want %q", got, want)
	}

	// A frame of one room with an object of a room not on the link is not
	// handed on whole.
	l.route([]byte(msg("a", "10") + "\n" + msg("gone", "11")))
	if got, want := read(a), []string{msg("a", "10")}; !slices.Equal(got, want) {
		t.Errorf("room a got %q, want %q", got, want)
	}
}
