package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// composeMode is what the composer's next send does other than post: reply
// to, or edit, the message with key.
type composeMode struct {
	_ noCompare

	edit   bool
	key    string
	banner string // the composer's Mode
}

// handleThreadActions wires the actions of message-actions.go.
func (c *ChatApp) handleThreadActions(ctx app.Context) {
	ctx.Handle(actionReplyTo, func(ctx app.Context, a app.Action) {
		if line, ok := c.shownLine(a.Value); ok {
			c.compose = composeMode{key: line.Key, banner: "Replying to " + line.Nick + ": " + shortened(line.Text)}
			focusComposer(false, "")
		}
	})
	ctx.Handle(actionEditMessage, func(ctx app.Context, a app.Action) {
		if line, ok := c.shownLine(a.Value); ok && line.Mine {
			c.compose = composeMode{edit: true, key: line.Key, banner: "Editing your message"}
			focusComposer(true, line.Text)
		}
	})
	ctx.Handle(actionCancelCompose, func(ctx app.Context, a app.Action) {
		focusComposer(c.compose.edit, "") // an abandoned edit leaves an empty box
		c.compose = composeMode{}
	})
	ctx.Handle(actionRemoveMessage, func(ctx app.Context, a app.Action) {
		key, _ := a.Value.(string)
		if c.session == nil || !app.Window().Call("confirm", "Delete this message for everyone?").Bool() {
			return
		}
		if err := c.session.client.DeleteMessage(key); err != nil {
			c.notice = "Could not delete that message: " + err.Error()
		}
	})
	ctx.Handle(actionReact, func(ctx app.Context, a app.Action) {
		v, ok := a.Value.(reactValue)
		if !ok || c.session == nil {
			return
		}
		if err := c.session.client.React(v.Key, v.Emoji); err != nil {
			c.notice = "Could not react: " + err.Error()
		}
	})
}

// shownLine is the line of the open room whose key is value.
func (c *ChatApp) shownLine(value any) (chat.Line, bool) {
	key, _ := value.(string)
	for _, l := range c.view.Lines {
		if l.Kind == chat.LineMessage && l.Key == key {
			return l, true
		}
	}
	return chat.Line{}, false
}

// sendComposed sends text as the composer's mode says and, once accepted,
// goes back to posting.
func (c *ChatApp) sendComposed(text string) error {
	mode := c.compose
	var err error
	switch {
	case mode.key == "":
		return c.session.client.Send(text)
	case mode.edit:
		err = c.session.client.Edit(mode.key, text)
	default:
		err = c.session.client.Reply(mode.key, text)
	}
	if err == nil {
		// The composer called this: re-render ChatApp for its Mode.
		c.ctx.Dispatch(func(ctx app.Context) { c.compose = composeMode{} })
	}
	return err
}

// focusComposer puts the cursor in the composer, and text in it if set
// (a reply keeps what was typed).
func focusComposer(set bool, text string) {
	box := app.Window().GetElementByID("composer")
	if !box.Truthy() {
		return
	}
	if set {
		box.Set("value", text)
	}
	box.Call("focus")
}

// shortened is a quote's snippet for the composer's banner.
func shortened(text string) string {
	const max = 60
	r := []rune(text)
	if len(r) <= max {
		return text
	}
	return string(r[:max]) + "…"
}
