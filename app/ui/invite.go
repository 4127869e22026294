package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// What a link's invite token does to the token stored for its room.
type inviteChoice int

const (
	inviteIgnore inviteChoice = iota // no token, or the one already stored
	inviteStore                      // no token stored yet: store it
	inviteAsk                        // another token is stored: ask first
)

// inviteFor decides what to do with the token a link carries. A link in a
// message can carry #room=…&token=…: clicked, it must not silently replace
// the token this person was given for that room (someone else's token
// would sign them in as someone else, or lock them out).
func inviteFor(stored, offered string) inviteChoice {
	switch {
	case offered == "" || offered == stored:
		return inviteIgnore
	case stored == "":
		return inviteStore
	}
	return inviteAsk
}

// pendingInvite is a token waiting for the person's answer.
type pendingInvite struct {
	_ noCompare

	room, token string
}

// invitePrompt asks whether to replace the stored token of room. The ids
// are a stable contract with the end-to-end tests.
func invitePrompt(room string, replace, keep app.EventHandler) app.UI {
	return app.Elem("div").ID("invite-prompt").Class("notice invite-prompt").Role("alertdialog").
		Aria("labelledby", "invite-prompt-text").Body(
		app.Elem("span").ID("invite-prompt-text").Text("This link carries a different invite for #"+room+
			". Replace the one you have?"),
		app.Elem("button").ID("invite-replace").Class("button small").Attr("type", "button").Text("Replace").OnClick(replace),
		app.Elem("button").ID("invite-keep").Class("button small ghost").Attr("type", "button").Text("Keep mine").OnClick(keep),
	)
}
