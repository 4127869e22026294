package chat

import "testing"

// TestUpdatePrefs_TabsKeepEachOthersChanges: one tab stores a token, the
// other, holding the Prefs it loaded before, changes its relay and visits a
// room: the token survives, and each write returns the merged Prefs.
func TestUpdatePrefs_TabsKeepEachOthersChanges(t *testing.T) {
	s := NewMemoryStore()
	rnd := func() float64 { return 0.5 }
	LoadPrefs(s, rnd) // both tabs start from the same stored prefs
	if _, err := UpdatePrefs(s, func(p *Prefs) { p.SetToken("secret", "tok-1") }, rnd); err != nil {
		t.Fatal(err)
	}
	p, err := UpdatePrefs(s, func(p *Prefs) { p.Relay = "ws://other.test/ws" }, rnd)
	if err != nil {
		t.Fatal(err)
	}
	p, err = UpdatePrefs(s, func(p *Prefs) { p.Visit("lobby") }, rnd)
	if err != nil {
		t.Fatal(err)
	}
	stored := LoadPrefs(s, rnd)
	for name, got := range map[string]Prefs{"returned": p, "stored": stored} {
		if got.Tokens["secret"] != "tok-1" || got.Relay != "ws://other.test/ws" || len(got.Recent) != 1 {
			t.Errorf("%s prefs %+v lost a change", name, got)
		}
	}
	p, _ = UpdatePrefs(s, func(p *Prefs) { p.SetToken("secret", "") }, rnd)
	if _, ok := p.Tokens["secret"]; ok {
		t.Error("SetToken with an empty token kept it")
	}
}
