package ui

import (
	"testing"

	"github.com/chatpwa/chat/app/chat"
)

// TestChatApp_UpdatePrefsKeepsWhatAnotherTabStored: this tab's copy of the
// prefs is older than the store (another tab saved an invite token since);
// changing the nickname here must not write the old copy back.
func TestChatApp_UpdatePrefsKeepsWhatAnotherTabStored(t *testing.T) {
	store := chat.NewMemoryStore()
	c := &ChatApp{store: store, prefs: chat.LoadPrefs(store, nil)}
	if _, err := chat.UpdatePrefs(store, func(p *chat.Prefs) { p.SetToken("invited", "tok") }, nil); err != nil {
		t.Fatal(err) // the other tab
	}
	c.updatePrefs(func(p *chat.Prefs) { p.Nick = "Renamed" })
	c.updatePrefs(func(p *chat.Prefs) { p.Visit("elsewhere") })
	stored := chat.LoadPrefs(store, nil)
	for name, p := range map[string]chat.Prefs{"stored": stored, "shown": c.prefs} {
		if p.Tokens["invited"] != "tok" || p.Nick != "Renamed" || len(p.Recent) != 1 {
			t.Errorf("%s prefs %+v: a change was lost", name, p)
		}
	}
}
