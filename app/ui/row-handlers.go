package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// Handlers inside message rows read what they act on from the element when
// they run, never from a closure over the row's message.
//
// go-app keeps an element's event handler for as long as a new render's
// handler has the same code (eventHandler.Equal compares code pointers, not
// closures), and it reuses rows by position. When older lines are added
// above, or the list drops its oldest rows, a row shows another message, but
// a closure would still hold the key of the message the row showed first:
// Reply would answer, and Delete would delete, that other message. The DOM
// attributes, by contrast, are updated on every render.

// sendForRow returns a handler that sends the action name with the key of
// the message row (li.msg, its data-key) the pressed element is in.
func sendForRow(name string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		sendRowAction(ctx, ctx.JSSrc(), name)
	}
}

// sendRowAction sends the action name with the key of the message row the
// element el is in.
func sendRowAction(ctx app.Context, el app.Value, name string) {
	if key := rowKeyOf(el); key != "" {
		ctx.NewActionWithValue(name, key)
	}
}

// reactWith toggles my reaction with the emoji in the pressed button's
// data-emoji on the message of its row.
func reactWith(ctx app.Context, button app.Value) {
	key, emoji := rowKeyOf(button), datasetOf(button, "emoji")
	if key != "" && emoji != "" {
		ctx.NewActionWithValue(actionReact, reactValue{Key: key, Emoji: emoji})
	}
}

// rowKeyOf is the data-key of the message row element el is in, or "".
func rowKeyOf(el app.Value) string {
	if !el.Truthy() {
		return ""
	}
	row := el.Call("closest", "li.msg")
	if !row.Truthy() {
		return ""
	}
	return datasetOf(row, "key")
}

// datasetOf is el's data-name attribute, or "".
func datasetOf(el app.Value, name string) string {
	v := el.Get("dataset").Get(name)
	if !v.Truthy() {
		return ""
	}
	return v.String()
}
