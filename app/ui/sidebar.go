package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// Sidebar holds the rooms and the person's settings: a column on wide
// screens, a panel that slides in over the conversation on narrow ones
// (web/app.css, .shell[data-panel="rooms"]). Its children send their own
// actions to ChatApp. It holds no state. It is a component, not a function,
// for one reason: go-app compares a component's fields with the last ones
// (reflect.DeepEqual) and renders it again only when they changed, so a
// new message does not render and diff its ~100 elements again (up to 20
// updates a second in a flood; BENCHMARKS.md, "The flood's first keys and
// first collection"). Its fields are plain values: a function-valued one
// would never compare equal.
type Sidebar struct {
	app.Compo

	// RoomID is the open room's relay room id; Recent the rooms opened
	// lately; Private the private rooms known, by room id.
	RoomID  string
	Recent  []string
	Private map[string]chat.PrivateRoom
	// Activity is each live room's unread count, mentions and mute.
	Activity map[string]chat.RoomActivity
	// The person's settings and the answers to their last changes, as
	// profileSettings shows them.
	Nick, Relay, DefaultRelay string
	Notify, HideText          bool
	ReadReceipts              bool
	NickError, RelayError     string
}

// Render draws the column. #sidebar is a stable contract with the
// end-to-end tests and the menu button's aria-controls.
func (s *Sidebar) Render() app.UI {
	partRenders.sidebar++
	return app.Elem("aside").ID("sidebar").Class("sidebar").Aria("label", "Rooms and settings").Body(
		app.Elem("div").Class("brand").Body(
			app.Elem("span").Class("brand-icon").Aria("hidden", "true"),
			app.Elem("span").Class("brand-name").Text(AppName),
		),
		&RoomSwitcher{Room: s.RoomID, Recent: s.Recent, Private: s.Private, Activity: s.Activity},
		&NewPrivateRoom{},
		profileSettings{
			Nick: s.Nick, Notify: s.Notify, HideText: s.HideText, ReadReceipts: s.ReadReceipts,
			Relay: s.Relay, DefaultRelay: s.DefaultRelay,
			NickError: s.NickError, RelayError: s.RelayError,
		}.render(),
	)
}
