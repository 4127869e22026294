package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// Actions of the top bar, handled by ChatApp.
const (
	actionTogglePanel = "chat/toggle-panel" // value: panelRooms or panelPeople
	actionRetryNow    = "chat/retry-now"
)

// Topbar is the bar over the conversation: the menu button (rooms and
// settings on narrow screens), the room's name and connection state, and the
// people button. It gets values and sends actions. It holds no state; like
// Sidebar it is a component so that go-app skips it while its values are
// unchanged, as they are when a message arrives.
type Topbar struct {
	app.Compo

	// Room is the room's name; Private marks an end-to-end encrypted room.
	Room    string
	Private bool
	// State, Relay, Detail and RetryAt describe the connection (chat.View);
	// Now is the clock the "retrying in Ns" countdown is drawn at
	// (countdownClock).
	State   chat.ConnState
	Relay   string
	Detail  string
	RetryAt time.Time
	Now     time.Time
	// Members is how many people are in the room.
	Members int
	// Panel is the side panel open on narrow screens (panelNone, ...).
	Panel string
	// Installable: the browser offers to install the PWA (installButton).
	Installable bool
}

// Render draws the bar. #room-name, #room-lock and #retry-now are a stable
// contract with the end-to-end tests.
func (b *Topbar) Render() app.UI {
	partRenders.topbar++
	return app.Elem("header").Class("topbar").Body(
		app.Elem("button").
			Class("icon-button menu-button").
			Attr("type", "button").
			Aria("label", "Rooms and settings").
			Aria("controls", "sidebar").
			Aria("expanded", b.Panel == panelRooms).
			OnClick(toggle(panelRooms)).
			Body(app.Elem("span").Class("icon icon-menu").Aria("hidden", "true")),
		app.Elem("div").Class("room-heading").Body(
			app.Elem("h1").Class("room-title").Body(
				app.Elem("span").Class("hash").Aria("hidden", "true").Text("#"),
				app.Elem("span").ID("room-name").Text(b.Room),
				when(b.Private, func() app.UI {
					return app.Elem("span").ID("room-lock").Class("lock").Title("Private room: end-to-end encrypted").Text(" 🔒")
				}),
			),
			connStatus(chat.View{State: b.State, Relay: b.Relay, Detail: b.Detail, RetryAt: b.RetryAt}, b.Now),
		),
		app.Elem("div").Class("topbar-actions").Body(
			installButton(b.Installable),
			app.Elem("button").
				Class("icon-button people-button").
				Attr("type", "button").
				Aria("label", "People in this room").
				Aria("controls", "people").
				Aria("expanded", b.Panel == panelPeople).
				OnClick(toggle(panelPeople)).
				Body(
					app.Elem("span").Class("icon icon-people").Aria("hidden", "true"),
					app.Elem("span").Class("people-count").Text(strconv.Itoa(b.Members)),
				),
			when(b.State == chat.StateOffline, func() app.UI {
				return app.Elem("button").
					ID("retry-now").
					Class("button small ghost").
					Attr("type", "button").
					Body(app.Text("Retry"), app.Elem("span").Class("wide-only").Text(" now")).
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(actionRetryNow) })
			}),
		),
	)
}

// toggle opens or closes panel. Each button keeps the handler of its first
// render (go-app replaces a handler only when its code changes), which is
// right: a button's panel never changes.
func toggle(panel string) app.EventHandler {
	return func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actionTogglePanel, panel) }
}

// countdownClock is the clock to draw the top bar at: now while offline,
// where the "retrying in Ns" countdown reads it, else the zero time, so
// that the clock ChatApp sets at every view does not render the bar again.
func countdownClock(state chat.ConnState, now time.Time) time.Time {
	if state != chat.StateOffline {
		return time.Time{}
	}
	return now
}
