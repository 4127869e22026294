package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// NewPrivateRoom creates an end-to-end encrypted room: it makes a fresh key
// for the name the person types and opens the room's link, which ChatApp
// follows like any other (storing the key in this browser only).
type NewPrivateRoom struct {
	app.Compo

	errText string
}

// Render draws the form. #private-name and #private-create are a stable
// contract with the end-to-end tests.
func (n *NewPrivateRoom) Render() app.UI {
	return app.Elem("section").Class("panel-section new-private").Body(
		app.Elem("h2").Class("section-title").Text("New private room"),
		app.Elem("form").Class("room-form").OnSubmit(n.onSubmit).Body(
			app.Input().
				ID("private-name").
				Class("field").
				Attr("placeholder", "Name, seen only by those invited").
				Title("Private room name").
				MaxLength(chat.MaxPrivateNameLen),
			app.Elem("button").ID("private-create").Class("button").Text("Create"),
		),
		app.Elem("p").Class("field-error").Role("alert").Text(n.errText),
	)
}

func (n *NewPrivateRoom) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	input := app.Window().GetElementByID("private-name")
	if !input.Truthy() {
		return
	}
	room, err := chat.NewPrivateRoom(input.Get("value").String())
	if err != nil {
		n.errText = "Give the room a name of 1–64 characters."
		return
	}
	n.errText = ""
	input.Set("value", "")
	ctx.Navigate("/" + room.Fragment())
}
