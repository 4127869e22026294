package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// sidebar holds the rooms and the person's settings: a column on wide
// screens, a panel that slides in over the conversation on narrow ones
// (web/app.css, .shell[data-panel="rooms"]). Its children send their own
// actions to ChatApp. Like conversation it holds no state and is drawn by
// a function rather than a component (one type and its node methods less
// in app.wasm); RoomSwitcher and NewPrivateRoom, which hold state, stay
// components.
type sidebar struct {
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

// render draws the column. #sidebar is a stable contract with the
// end-to-end tests and the menu button's aria-controls.
func (s sidebar) render() app.UI {
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
