package ui

import (
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// A room with unread messages is bold with a badge whose accessible text
// says its count and "unread"; a muted room's count is quiet and not bold;
// a mention adds an @ badge.
func TestRoomSwitcher_UnreadBadges(t *testing.T) {
	r := &RoomSwitcher{
		Room:   "a",
		Recent: []string{"a", "b", "c"},
		Activity: map[string]chat.RoomActivity{
			"b": {Unread: 3, Mentions: 1},
			"c": {Unread: 2, Muted: true},
		},
	}
	engine := app.NewTestEngine()
	if err := engine.Load(r); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	// section > [h2, form, p, ul > li > a > [hash, name, badges…]]
	if err := app.Match(app.Elem("a").Attr("href", "#room=a").Class("room-link").Class("active").Aria("current", "page"), r, 0, 3, 0, 0); err != nil {
		t.Errorf("room a: %v", err)
	}
	if err := app.Match(app.Elem("a").Attr("href", "#room=b").Class("room-link unread"), r, 0, 3, 1, 0); err != nil {
		t.Errorf("room b bold: %v", err)
	}
	if err := app.Match(app.Elem("span").Class("mention-badge").Role("img").Aria("label", "1 mentioning you").Title("1 mentioning you"), r, 0, 3, 1, 0, 2); err != nil {
		t.Errorf("room b's mention: %v", err)
	}
	if err := app.Match(app.Elem("span").Class("unread-badge").Role("img").Aria("label", "3 unread").Title("3 unread"), r, 0, 3, 1, 0, 3); err != nil {
		t.Errorf("room b's count: %v", err)
	}
	if err := app.Match(app.Text("3"), r, 0, 3, 1, 0, 3, 0); err != nil {
		t.Errorf("room b's count shown: %v", err)
	}
	if err := app.Match(app.Elem("a").Attr("href", "#room=c").Class("room-link"), r, 0, 3, 2, 0); err != nil {
		t.Errorf("muted room c not bold: %v", err)
	}
	if err := app.Match(app.Elem("span").Class("unread-badge quiet").Role("img").Aria("label", "2 unread").Title("2 unread"), r, 0, 3, 2, 0, 3); err != nil {
		t.Errorf("muted room c's quiet count: %v", err)
	}
}
