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
// The group is one of four fixed pieces of markup, which go-app mounts as
// one node (app.Raw: the browser parses it) instead of five to sixteen,
// each created and given its attributes one call into the browser at a
// time: the actions were about 40 % of what mounting a row cost in a flood
// (BENCHMARKS.md). They are the same buttons, in the same tab order.
func messageActions(mine, picking bool) app.UI {
	html := othersActionsHTML
	if mine {
		html = myActionsHTML
	}
	if picking {
		html = strings.Replace(html, `aria-expanded="false"`, `aria-expanded="true"`, 1)
		html = html[:len(html)-len("</div>")] + reactionPickerHTML() + "</div>"
	}
	return app.Raw(html)
}

// The actions of a message without its picker open (messageActions).
const (
	actionsStart      = `<div class="msg-actions" role="group" aria-label="Message actions">`
	replyReactHTML    = `<button class="button small ghost act-reply" type="button">Reply</button>` + `<button class="button small ghost act-react" type="button" aria-expanded="false">React</button>`
	othersActionsHTML = actionsStart + replyReactHTML + `</div>`
	myActionsHTML     = actionsStart + replyReactHTML +
		`<button class="button small ghost act-edit" type="button">Edit</button>` +
		`<button class="button small ghost act-delete" type="button">Delete</button></div>`
)

// reactionPickerHTML is the open emoji picker of a message. The emoji are
// the app's own (chat.ReactionEmoji), escaped all the same.
func reactionPickerHTML() string {
	html := `<div class="reaction-picker" role="group" aria-label="Reactions">`
	for _, emoji := range chat.ReactionEmoji {
		emoji = escapeHTML(emoji)
		html += `<button class="button small ghost pick" type="button" aria-label="React with ` + emoji +
			`" data-emoji="` + emoji + `">` + emoji + `</button>`
	}
	return html + `</div>`
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
