package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// profileSettings edits what is personal and persisted: the nickname,
// notifications, and the relays this PWA talks to. Its state is ChatApp's
// (the fields, and the answers NickError and RelayError), so a function
// draws it rather than a component, which would link its own type and
// node methods into app.wasm.
type profileSettings struct {
	// Nick is the current nickname.
	Nick string
	// Notify is whether notifications are on.
	Notify bool
	// HideText is whether notifications leave out the message text; the
	// switch sends actionHideText with the new value.
	HideText bool
	// ReadReceipts is whether the room learns how far I read ("seen
	// by"); the checkbox sends actionSetReadReceipts with the new value.
	ReadReceipts bool
	// Relay is the person's relay list (URLs separated by ", "); empty means
	// DefaultRelay.
	Relay string
	// DefaultRelay is the list used without an override: the deployer's, or
	// the relay at the page's address.
	DefaultRelay string

	// NickError is why the last nickname was refused; RelayError why the
	// last relay list was. ChatApp answers the actions with them.
	NickError, RelayError string
}

// Actions of the settings, handled by ChatApp: actions rather than function
// fields, which never compare equal and would re-render the settings on
// every update of the screen.
const (
	actionSetNick   = "chat/set-nick"   // value: the new nickname (string)
	actionSetNotify = "chat/set-notify" // value: notifications on (bool)
	actionSetRelay  = "chat/set-relay"  // value: the relay list (string)
	// actionHideText carries the new "hide message text" setting (bool).
	actionHideText = "chat/hide-text"
	// actionSetReadReceipts carries the new "send read receipts" (bool).
	actionSetReadReceipts = "chat/set-read-receipts"
)

// render draws the settings. #nick, #notify-toggle and #relay-url are a
// stable contract with the end-to-end tests.
func (p profileSettings) render() app.UI {
	return app.Elem("section").Class("panel-section profile").Aria("labelledby", "profile-title").Body(
		app.Elem("h2").ID("profile-title").Class("section-title").Text("You"),
		app.Elem("form").Class("field-group").OnSubmit(onNickSubmit).Body(
			app.Elem("label").Attr("for", "nick").Class("field-label").Text("Nickname"),
			app.Input().
				ID("nick").
				Class("field").
				Attr("type", "text").
				Value(p.Nick).
				MaxLength(32).
				AutoComplete(false).
				Spellcheck(false).
				Attr("autocapitalize", "off").
				Attr("enterkeyhint", "done").
				OnChange(onNickChange),
			app.Elem("p").Class("field-error").Role("alert").Text(p.NickError),
		),
		switchRow("notify", "Notifications", "Notify me of new messages while the app is in the background", p.Notify, onNotifyClick),
		switchRow("hide-text", "Hide message text", "Notifications say who wrote, not what", p.HideText, onHideTextClick),
		app.Elem("div").Class("field-row").Body(
			app.Elem("label").Attr("for", "read-receipts").Class("field-label").Text("Send read receipts"),
			app.Input().
				ID("read-receipts").
				Class("checkbox").
				Attr("type", "checkbox").
				Checked(p.ReadReceipts).
				Title("Others see \"seen by\" under their messages once you read them").
				OnChange(onReadReceiptsChange),
		),
		app.Elem("form").Class("field-group").OnSubmit(onRelaySubmit).Body(
			app.Elem("label").Attr("for", "relay-url").Class("field-label").Text("Relay servers"),
			// Text, not url: a list of addresses is no URL, and the
			// browser's URL check would block the form.
			app.Input().
				ID("relay-url").
				Class("field mono").
				Attr("type", "text").
				Value(p.Relay).
				Attr("placeholder", p.DefaultRelay).
				AutoComplete(false).
				Spellcheck(false).
				Attr("autocapitalize", "off").
				Attr("inputmode", "url").
				OnChange(onRelayChange),
			app.Elem("p").Class("field-hint").Text("Separate several with commas: when one fails, the next is used. Leave empty for the default."),
			app.Elem("p").Class("field-error").Role("alert").Text(p.RelayError),
		),
	)
}

func onNickSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	setNick(ctx, app.Window().GetElementByID("nick").Get("value").String())
}

func onNickChange(ctx app.Context, e app.Event) {
	setNick(ctx, ctx.JSSrc().Get("value").String())
}

// setNick asks for nick; ChatApp ignores the unchanged one.
func setNick(ctx app.Context, nick string) {
	ctx.NewActionWithValue(actionSetNick, strings.TrimSpace(nick))
}

func onNotifyClick(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionSetNotify, flipped(ctx))
}

func onHideTextClick(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionHideText, flipped(ctx))
}

// flipped is what a click on a switch asks for: the opposite of the
// aria-checked it shows. It reads the element rather than the settings of
// a render: go-app keeps an element's first handler as long as the
// handler's code is the same, so a closure over one render's values would
// see them forever.
func flipped(ctx app.Context) bool {
	return ctx.JSSrc().Call("getAttribute", "aria-checked").String() != "true"
}

func onReadReceiptsChange(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionSetReadReceipts, ctx.JSSrc().Get("checked").Bool())
}

// switchRow is an on/off switch (role="switch") with its label: #NAME-toggle
// labelled by #NAME-label.
func switchRow(name, label, title string, on bool, onClick app.EventHandler) app.UI {
	state := "Off"
	if on {
		state = "On"
	}
	return app.Elem("div").Class("field-row").Body(
		app.Elem("span").ID(name+"-label").Class("field-label").Text(label),
		app.Elem("button").
			ID(name+"-toggle").
			Class("switch").
			Attr("type", "button").
			Role("switch").
			Aria("checked", on).
			Aria("labelledby", name+"-label").
			Attr("title", title).
			OnClick(onClick).
			Body(
				app.Elem("span").Class("switch-thumb").Aria("hidden", "true"),
				app.Elem("span").Class("switch-text").Text(state),
			),
	)
}

func onRelaySubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	setRelay(ctx, app.Window().GetElementByID("relay-url").Get("value").String())
}

func onRelayChange(ctx app.Context, e app.Event) {
	setRelay(ctx, ctx.JSSrc().Get("value").String())
}

// setRelay asks for the relay list; ChatApp ignores the unchanged one.
func setRelay(ctx app.Context, relay string) {
	ctx.NewActionWithValue(actionSetRelay, strings.TrimSpace(relay))
}
