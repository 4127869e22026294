package ui

import (
	"math"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// connStatus renders #conn-state: a coloured dot and a short human label.
// data-state carries chat.ConnState.String() and data-relay the relay in
// use for the end-to-end tests; the tooltip has the client's longer
// explanation and names the relay, which matters once there are several.
func connStatus(view chat.View, now time.Time) app.UI {
	return app.Elem("div").
		ID("conn-state").
		Class("conn-state").
		DataSet("state", view.State.String()).
		DataSet("relay", view.Relay).
		Role("status").
		Aria("live", "polite").
		Title("%s", connDetail(view)).
		Body(
			app.Elem("span").Class("dot").Aria("hidden", "true"),
			app.Elem("span").Class("conn-label").Text(connLabel(view, now)),
		)
}

// connLabel is the state in words; when offline it counts down to the next
// attempt.
func connLabel(view chat.View, now time.Time) string {
	switch view.State {
	case chat.StateConnecting:
		return "Connecting…"
	case chat.StateOnline:
		return "Online"
	case chat.StateOffline:
		if wait := retryIn(view.RetryAt, now); wait > 0 {
			return "Offline — retrying in " + strconv.Itoa(wait) + "s"
		}
		return "Offline — retrying…"
	case chat.StateReconnecting:
		return "Reconnecting…"
	case chat.StateDenied:
		return "Access denied"
	case chat.StateInvalid:
		return "Invalid room"
	}
	return view.State.String()
}

// connDetail is the tooltip: the state's explanation and the relay.
func connDetail(view chat.View) string {
	switch {
	case view.Relay == "":
		return view.Detail
	case view.Detail == "":
		return "Relay: " + view.Relay
	}
	return view.Detail + " (relay: " + view.Relay + ")"
}

// retryIn is the whole number of seconds until at, rounded up, or 0.
func retryIn(at, now time.Time) int {
	if at.IsZero() || !at.After(now) {
		return 0
	}
	return int(math.Ceil(at.Sub(now).Seconds()))
}

// blockedNotice explains a state that no retry will fix, in the message
// area where the person is looking. Nil when the room is usable.
func blockedNotice(view chat.View) app.UI {
	var title, hint string
	switch view.State {
	case chat.StateDenied:
		title = "Access denied"
		hint = "This room needs an invite link. Ask a member for one, then open it here."
	case chat.StateInvalid:
		title = "This room cannot be opened"
		hint = "Room names are 1–64 letters, digits, dots, dashes or underscores."
	default:
		return nil
	}
	return app.Elem("div").ID("blocked").Class("blocked").Role("alert").Body(
		app.Elem("p").Class("blocked-title").Text(title),
		app.Elem("p").Class("blocked-hint").Text(hint),
		when(view.Detail != "", func() app.UI {
			return app.Elem("p").Class("blocked-detail").Text(view.Detail)
		}),
	)
}
