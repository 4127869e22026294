package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// Actions on a delivered message, handled by ChatApp (threads.go of
// app/chat). Their value is the message's Line.Key, or a reactValue.
const (
	actionReplyTo       = "chat/reply-to"
	actionEditMessage   = "chat/edit-message"
	actionRemoveMessage = "chat/remove-message" // delete my delivered message for everyone
	actionReact         = "chat/react"
	actionCancelCompose = "chat/cancel-compose" // leave replying or editing
)

// reactValue is the value of actionReact: toggle my Emoji on Key.
type reactValue struct{ Key, Emoji string }

// messageActions are the buttons under a delivered message: Reply, React
// (which opens the emoji picker: togglePicker, nil in tests), and for my
// own (mine) Edit and Delete. They send actions, handled by ChatApp. They
// are plain elements of MessageItem, which keeps picking: a component of
// their own costs the wasm ~27 KB.
//
// The picker works from the keyboard: opening it puts the focus on its
// first emoji, the arrow keys (or Tab) move between them, Escape closes it,
// and closing it either way gives the focus back to React.
func messageActions(mine, picking bool, togglePicker app.EventHandler) app.UI {
	react := app.Elem("button").Class("button small ghost act-react").Attr("type", "button").Text("React").
		Aria("expanded", strconv.FormatBool(picking))
	if togglePicker != nil {
		react = react.OnClick(func(ctx app.Context, e app.Event) {
			togglePicker(ctx, e)
			if !picking {
				focusAfterRender(ctx, ctx.JSSrc().Get("parentElement"), ".pick")
			}
		})
	}
	return app.Elem("div").Class("msg-actions").Role("group").Aria("label", "Message actions").Body(
		app.Elem("button").Class("button small ghost act-reply").Attr("type", "button").Text("Reply").OnClick(sendForRow(actionReplyTo)),
		react,
		when(mine, func() app.UI {
			return app.Elem("button").Class("button small ghost act-edit").Attr("type", "button").Text("Edit").OnClick(sendForRow(actionEditMessage))
		}),
		when(mine, func() app.UI {
			return app.Elem("button").Class("button small ghost act-delete").Attr("type", "button").Text("Delete").OnClick(sendForRow(actionRemoveMessage))
		}),
		when(picking, func() app.UI {
			buttons := make([]app.UI, 0, len(chat.ReactionEmoji))
			for _, emoji := range chat.ReactionEmoji {
				buttons = append(buttons, app.Elem("button").Class("button small ghost pick").Attr("type", "button").
					Aria("label", "React with "+emoji).DataSet("emoji", emoji).Text(emoji).
					OnClick(func(ctx app.Context, e app.Event) {
						closePicker(ctx, e, togglePicker)
						reactForRow(ctx, e)
					}))
			}
			picker := app.Elem("div").Class("reaction-picker").Role("group").Aria("label", "Reactions").Body(buttons...)
			if togglePicker != nil {
				picker = picker.OnKeyDown(func(ctx app.Context, e app.Event) { onPickerKeyDown(ctx, e, togglePicker) })
			}
			return picker
		}),
	)
}

// onPickerKeyDown moves between the picker's emoji with the arrow keys
// (round the ends), and closes it on Escape.
func onPickerKeyDown(ctx app.Context, e app.Event, togglePicker app.EventHandler) {
	pick := e.Get("target")
	picker := pick.Get("parentElement")
	var next app.Value
	switch e.Get("key").String() {
	case "Escape":
		e.PreventDefault()
		e.Call("stopPropagation") // it closes the picker, not a panel
		closePicker(ctx, e, togglePicker)
		return
	case "ArrowRight", "ArrowDown":
		if next = pick.Get("nextElementSibling"); !next.Truthy() {
			next = picker.Get("firstElementChild")
		}
	case "ArrowLeft", "ArrowUp":
		if next = pick.Get("previousElementSibling"); !next.Truthy() {
			next = picker.Get("lastElementChild")
		}
	}
	ctx.PreventUpdate() // moving the focus changes nothing to render
	if next != nil && next.Truthy() {
		e.PreventDefault()
		next.Call("focus")
	}
}

// closePicker closes the picker that e happened in and gives the focus
// back to its React button: the focused emoji is about to go. At once, not
// deferred: go-app drops what a handler defers once the handler's element
// is gone, and this render removes it.
func closePicker(ctx app.Context, e app.Event, togglePicker app.EventHandler) {
	if togglePicker == nil {
		return
	}
	if react := ctx.JSSrc().Call("closest", ".msg-actions").Call("querySelector", ".act-react"); react.Truthy() {
		react.Call("focus")
	}
	togglePicker(ctx, e)
}

// focusAfterRender focuses the first element matching sel inside within
// once the render under way is done (it may add that element).
func focusAfterRender(ctx app.Context, within app.Value, sel string) {
	ctx.Defer(func(app.Context) {
		if !within.Truthy() {
			return
		}
		if el := within.Call("querySelector", sel); el.Truthy() {
			el.Call("focus")
		}
	})
}

// reactionsRow shows a message's reactions; each is a toggle of mine.
func reactionsRow(reactions []chat.Reaction) app.UI {
	buttons := make([]app.UI, 0, len(reactions))
	for _, r := range reactions {
		label := r.Emoji + " " + strconv.Itoa(r.Count) + ": " + strings.Join(r.Nicks, ", ")
		buttons = append(buttons, app.Elem("button").Class("reaction").Attr("type", "button").
			Aria("pressed", strconv.FormatBool(r.Mine)).Aria("label", label).Title(label).
			DataSet("emoji", r.Emoji).Text(r.Emoji+" "+strconv.Itoa(r.Count)).
			OnClick(reactForRow))
	}
	return app.Elem("div").Class("reactions").Body(buttons...)
}

// replyQuote shows what a reply answers; pressing it scrolls to the
// original, which the list first renders if it is above what it shows
// (actionReveal).
func replyQuote(q *chat.Quote) app.UI {
	text := q.Text
	switch {
	case q.Deleted:
		text = deletedText
	case q.Nick != "":
		text = q.Nick + ": " + text
	}
	return app.Elem("button").Class("reply-quote").Attr("type", "button").
		Aria("label", "Replying to "+text+". Show the message").DataSet("reveal", q.Key).
		OnClick(reveal).
		Body(app.Elem("bdi").Text(text))
}

// deletedText stands for a message its author deleted.
const deletedText = "message deleted"

// jumpTo scrolls the message line with key into view, if it is shown.
func jumpTo(key string) {
	if row, ok := renderedRow(key); ok {
		row.Call("scrollIntoView", map[string]any{"block": "center"})
	}
}

// reveal shows the message the pressed quote's data-reveal names.
func reveal(ctx app.Context, e app.Event) {
	if key := datasetOf(ctx.JSSrc(), "reveal"); key != "" {
		ctx.NewActionWithValue(actionReveal, key)
	}
}
