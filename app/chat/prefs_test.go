package chat

import (
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

func TestLoadPrefs_FirstStartCreatesAndPersistsIdentity(t *testing.T) {
	store := NewMemoryStore()
	p := LoadPrefs(store, nil)
	if !wire.ValidCID(p.CID) || len(p.CID) < 16 {
		t.Fatalf("cid %q", p.CID)
	}
	if !regexp.MustCompile(`^[a-z]+-[a-z]+$`).MatchString(p.Nick) {
		t.Fatalf("nick %q", p.Nick)
	}
	again := LoadPrefs(store, nil)
	if again.CID != p.CID || again.Nick != p.Nick {
		t.Fatalf("second start: %+v, first %+v", again, p)
	}
	if other := LoadPrefs(NewMemoryStore(), nil); other.CID == p.CID {
		t.Fatal("two browsers got the same cid")
	}
}

func TestPrefs_SaveRoundTrip(t *testing.T) {
	store := NewMemoryStore()
	p := LoadPrefs(store, nil)
	p.Nick = "calm fox"
	p.Relay = "wss://relay.example/ws"
	p.Tokens = map[string]string{"team": "jwt"}
	p.Notify = true
	p.Visit("lobby")
	p.Visit("team")
	if err := p.Save(store); err != nil {
		t.Fatal(err)
	}
	got := LoadPrefs(store, nil)
	if got.Nick != "calm fox" || got.Relay != p.Relay || got.Tokens["team"] != "jwt" || !got.Notify ||
		!slices.Equal(got.Recent, []string{"team", "lobby"}) || got.CID != p.CID {
		t.Fatalf("loaded %+v", got)
	}
}

func TestLoadPrefs_RepairsCorruptValue(t *testing.T) {
	store := NewMemoryStore()
	_ = store.Set(PrefsKey, `{"cid":"bad cid!","nick":"  ","recent":["ok","no way"]}`)
	p := LoadPrefs(store, func() float64 { return 0 })
	if !wire.ValidCID(p.CID) || p.Nick == "" || !slices.Equal(p.Recent, []string{"ok"}) {
		t.Fatalf("repaired %+v", p)
	}
	_ = store.Set(PrefsKey, `not json`)
	if p := LoadPrefs(store, nil); !wire.ValidCID(p.CID) {
		t.Fatalf("from garbage: %+v", p)
	}
}

func TestPrefs_VisitMostRecentFirstDedupedBounded(t *testing.T) {
	var p Prefs
	for i := range MaxRecentRooms + 2 {
		p.Visit(fmt.Sprint("room", i))
	}
	p.Visit("room5")
	p.Visit("not valid!")
	want := []string{"room5"}
	for i := MaxRecentRooms + 1; len(want) < MaxRecentRooms; i-- {
		if i != 5 {
			want = append(want, fmt.Sprint("room", i))
		}
	}
	if !slices.Equal(p.Recent, want) {
		t.Fatalf("recent %v, want %v", p.Recent, want)
	}
}

func TestRandomNick(t *testing.T) {
	if got := RandomNick(func() float64 { return 0 }); got != "brave-otter" {
		t.Errorf("lowest: %q", got)
	}
	if got := RandomNick(func() float64 { return 0.999999 }); got != "zesty-zebra" {
		t.Errorf("highest: %q", got)
	}
	seen := map[string]bool{}
	for range 200 {
		seen[RandomNick(nil)] = true
	}
	if len(seen) < 50 {
		t.Errorf("only %d distinct nicks in 200", len(seen))
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int]string{10: "10 bytes", 1023: "1023 bytes", 1024: "1 KB", 65536: "64 KB", 102500: "100.1 KB", 3 << 20: "3.0 MB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
