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
// (which opens the emoji picker, shown while picking), and for my own
// (mine) Edit and Delete. The list handles their clicks and the picker's
// keys (row-clicks.go) and sends the actions ChatApp handles.
//
// Without the picker the group is one of two fixed pieces of markup, which
// go-app mounts as one node (app.Raw: the browser parses it) instead of
// five to nine, each created and given its attributes one call into the
// browser at a time: the actions were about 40 % of what mounting a row
// cost in a flood (BENCHMARKS.md). They are the same buttons, in the same
// tab order.
func messageActions(mine, picking bool) app.UI {
	if !picking {
		if mine {
			return app.Raw(myActionsHTML)
		}
		return app.Raw(othersActionsHTML)
	}
	return app.Elem("div").Class("msg-actions").Role("group").Aria("label", "Message actions").Body(
		app.Elem("button").Class("button small ghost act-reply").Attr("type", "button").Text("Reply"),
		app.Elem("button").Class("button small ghost act-react").Attr("type", "button").Text("React").
			Aria("expanded", "true"),
		when(mine, func() app.UI {
			return app.Elem("button").Class("button small ghost act-edit").Attr("type", "button").Text("Edit")
		}),
		when(mine, func() app.UI {
			return app.Elem("button").Class("button small ghost act-delete").Attr("type", "button").Text("Delete")
		}),
		reactionPicker(),
	)
}

// The actions of a message without its picker open (messageActions): the
// markup go-app writes for the same elements.
const (
	actionsStart      = `<div class="msg-actions" role="group" aria-label="Message actions">`
	replyReactHTML    = `<button class="button small ghost act-reply" type="button">Reply</button>` + `<button class="button small ghost act-react" type="button" aria-expanded="false">React</button>`
	othersActionsHTML = actionsStart + replyReactHTML + `</div>`
	myActionsHTML     = actionsStart + replyReactHTML +
		`<button class="button small ghost act-edit" type="button">Edit</button>` +
		`<button class="button small ghost act-delete" type="button">Delete</button></div>`
)

// reactionPicker is the open emoji picker of a message.
func reactionPicker() app.UI {
	buttons := make([]app.UI, 0, len(chat.ReactionEmoji))
	for _, emoji := range chat.ReactionEmoji {
		buttons = append(buttons, app.Elem("button").Class("button small ghost pick").Attr("type", "button").
			Aria("label", "React with "+emoji).DataSet("emoji", emoji).Text(emoji))
	}
	return app.Elem("div").Class("reaction-picker").Role("group").Aria("label", "Reactions").Body(buttons...)
}

// reactionsRow shows a message's reactions; each is a toggle of mine.
func reactionsRow(reactions []chat.Reaction) app.UI {
	buttons := make([]app.UI, 0, len(reactions))
	for _, r := range reactions {
		label := r.Emoji + " " + strconv.Itoa(r.Count) + ": " + strings.Join(r.Nicks, ", ")
		buttons = append(buttons, app.Elem("button").Class("reaction").Attr("type", "button").
			Aria("pressed", strconv.FormatBool(r.Mine)).Aria("label", label).Title(label).
			DataSet("emoji", r.Emoji).Text(r.Emoji+" "+strconv.Itoa(r.Count)))
	}
	return app.Elem("div").Class("reactions").Body(buttons...)
}

// replyQuote shows what a reply answers; pressing it scrolls to the
// original, which the list first renders if it is above what it shows
// (row-clicks.go).
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
