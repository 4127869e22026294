package chat

import (
	"fmt"
	"slices"
	"testing"
)

func TestLiveRooms_OpenFirstThenRecentBounded(t *testing.T) {
	var recent []string
	for i := range MaxRecentRooms + 4 {
		recent = append(recent, fmt.Sprintf("r%d", i))
	}
	live := LiveRooms(append([]string{"bad room!", "r3"}, recent...), "open")
	if len(live) != MaxRecentRooms || live[0] != "open" || live[1] != "r3" || slices.Contains(live, "bad room!") {
		t.Fatalf("live rooms %v", live)
	}
	if n := len(slices.Compact(slices.Sorted(slices.Values(live)))); n != len(live) {
		t.Fatalf("duplicates in %v", live)
	}
}

func TestTitleCount_MutedRoomsCountOnlyMentions(t *testing.T) {
	n := TitleCount(map[string]RoomActivity{
		"a": {Unread: 3, Mentions: 1},
		"b": {Unread: 5, Mentions: 2, Muted: true},
		"c": {Unread: 4, Muted: true},
	})
	if n != 3+2 {
		t.Fatalf("title count %d, want 5", n)
	}
}

func TestShouldNotify(t *testing.T) {
	for _, c := range []struct {
		looking, muted, mention, want bool
	}{
		{false, false, false, true},
		{true, false, true, false},
		{false, true, false, false},
		{false, true, true, true},
	} {
		if got := ShouldNotify(c.looking, c.muted, c.mention); got != c.want {
			t.Errorf("ShouldNotify(looking %v, muted %v, mention %v) = %v", c.looking, c.muted, c.mention, got)
		}
	}
}

func TestPrefs_MuteAndForget(t *testing.T) {
	s := NewMemoryStore()
	p := LoadPrefs(s, nil)
	p.Visit("a")
	p.Visit("b")
	p.SetToken("a", "tok")
	p.SetMuted("a", true)
	p.SetMuted("a", true)
	if !p.IsMuted("a") || p.IsMuted("b") || len(p.Muted) != 1 {
		t.Fatalf("muted %v", p.Muted)
	}
	p.Forget("a")
	if p.IsMuted("a") || p.Tokens["a"] != "" || !slices.Equal(p.Recent, []string{"b"}) {
		t.Fatalf("after forget: %+v", p)
	}

	_ = s.Set(historyKey("a"), `{"seq":1}`)
	_ = s.Set(outboxKey("a"), `[]`)
	_ = s.Set(readMarkKey("a"), "1 k")
	_ = s.Set(historyKey("b"), `{"seq":2}`)
	ForgetRoom(s, "a")
	if _, ok := s.Get(readMarkKey("a")); ok {
		t.Fatal("read mark kept")
	}
	if _, ok := s.Get(historyKey("a")); ok {
		t.Fatal("history kept")
	}
	if _, ok := s.Get(outboxKey("a")); ok {
		t.Fatal("outbox kept")
	}
	if _, ok := s.Get(historyKey("b")); !ok {
		t.Fatal("another room's history removed")
	}
}
