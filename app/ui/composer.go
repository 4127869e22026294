package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// counterThreshold is the share of the size limit from which the composer
// shows how many bytes are used, so a long message never surprises anyone.
const counterThreshold = 0.8

// Composer is where a message is written: Enter sends, Shift+Enter starts a
// new line. A refused message (too long) stays in the box with the reason
// under it.
type Composer struct {
	app.Compo

	// Room names the room in the placeholder.
	Room string
	// MaxText is the largest text in bytes the client accepts; 0 if unknown.
	MaxText int
	// Disabled is set when the room cannot be written to (access denied).
	Disabled bool
	// Answered counts the sends (actionSend) ChatApp has answered; Error is
	// the last answer: why the text was refused, "" when it was sent.
	Answered int
	Error    string
	// Mode says what sending does other than post ("Replying to Ada: …",
	// "Editing your message"); "" to post.
	Mode string

	answered int    // the answers already applied to the box
	errText  string // shown under the box until the text is short enough
	used     int    // bytes in the box, for the counter
}

// actionSend carries the text to send (a string) to ChatApp, which answers
// through Answered and Error: an action, not a function field, so that
// go-app can compare the composer and skip its re-render.
const actionSend = "chat/send"

// actionDraft carries the draft (a string) after every edit, for the typing
// indicator (chat.Client.DraftChanged).
const actionDraft = "chat/draft"

// OnInit starts with the answers given before it existed applied.
func (c *Composer) OnInit() { c.answered = c.Answered }

// OnUpdate applies ChatApp's answer to the last send: a sent text leaves the
// box; a refused one stays, with the reason, so that it can be shortened
// instead of retyped.
func (c *Composer) OnUpdate(ctx app.Context) {
	if c.Answered == c.answered {
		return
	}
	c.answered = c.Answered
	c.errText = c.Error
	box := app.Window().GetElementByID("composer")
	if !box.Truthy() {
		return
	}
	if c.Error == "" {
		c.used = 0
		box.Set("value", "")
	}
	box.Call("focus")
}

// Render draws the composer. #composer, #send and #composer-error are a
// stable contract with the end-to-end tests.
func (c *Composer) Render() app.UI {
	placeholder := "Message #" + c.Room
	if c.Disabled {
		placeholder = "You cannot write in this room"
	}
	return app.Form().Class("composer").OnSubmit(c.onSubmit).Body(
		// Always there, so that the box after it stays the same node (and
		// keeps its text) when the mode comes and goes.
		app.Div().Class("composer-mode").Body(app.If(c.Mode != "", func() app.UI {
			return app.Div().Class("composer-mode-inner").Body(
				app.Bdi().Class("composer-mode-text").Text(c.Mode),
				app.Button().Class("button small ghost").Type("button").Text("Cancel").
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(actionCancelCompose) }),
			)
		})),
		app.Div().Class("composer-box").Body(
			app.Textarea().
				ID("composer").
				Class("composer-input").
				Aria("label", "Message").
				Aria("describedby", "composer-error").
				Placeholder("%s", placeholder).
				Rows(1).
				Disabled(c.Disabled).
				OnKeyDown(c.onKeyDown).
				OnInput(c.onInput),
			app.Button().
				ID("send").
				Class("send").
				Type("submit").
				Title("Send (Enter)").
				Disabled(c.Disabled).
				Body(
					app.Span().Class("send-icon").Aria("hidden", "true"),
					app.Span().Class("send-label").Text("Send"),
				),
		),
		app.Div().Class("composer-foot").Body(
			app.P().ID("composer-error").Class("composer-error").Role("alert").Text(c.errText),
			app.If(c.showCounter(), func() app.UI {
				return app.Span().Class("counter").Text(strconv.Itoa(c.used) + " / " + strconv.Itoa(c.MaxText) + " bytes")
			}),
		),
	)
}

func (c *Composer) showCounter() bool {
	return c.MaxText > 0 && float64(c.used) >= counterThreshold*float64(c.MaxText)
}

func (c *Composer) onKeyDown(ctx app.Context, e app.Event) {
	if e.Get("key").String() != "Enter" || e.Get("shiftKey").Truthy() || e.Get("isComposing").Truthy() {
		// Typing is not a state change: no need to re-render for each key.
		ctx.PreventUpdate()
		return
	}
	e.PreventDefault()
	c.send(ctx)
}

func (c *Composer) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	c.send(ctx)
}

func (c *Composer) onInput(ctx app.Context, e app.Event) {
	draft := ctx.JSSrc().Get("value").String()
	ctx.NewActionWithValue(actionDraft, draft)
	used := len(draft)
	wasCounting := c.showCounter()
	c.used = used
	if c.errText == "" && wasCounting == c.showCounter() && !c.showCounter() {
		ctx.PreventUpdate()
		return
	}
	if c.MaxText > 0 && used <= c.MaxText {
		c.errText = ""
	}
}

func (c *Composer) send(ctx app.Context) {
	box := app.Window().GetElementByID("composer")
	if !box.Truthy() || c.Disabled {
		return
	}
	ctx.NewActionWithValue(actionSend, box.Get("value").String())
}
