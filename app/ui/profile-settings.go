package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// ProfileSettings edits what is personal and persisted: the nickname,
// notifications, and the relays this PWA talks to.
type ProfileSettings struct {
	app.Compo

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

// Render draws the settings. #nick, #notify-toggle and #relay-url are a
// stable contract with the end-to-end tests.
func (p *ProfileSettings) Render() app.UI {
	notifyLabel := "Off"
	if p.Notify {
		notifyLabel = "On"
	}
	return app.Elem("section").Class("panel-section profile").Aria("labelledby", "profile-title").Body(
		app.Elem("h2").ID("profile-title").Class("section-title").Text("You"),
		app.Elem("form").Class("field-group").OnSubmit(p.onNickSubmit).Body(
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
				OnChange(p.onNickChange),
			app.Elem("p").Class("field-error").Role("alert").Text(p.NickError),
		),
		app.Elem("div").Class("field-row").Body(
			app.Elem("span").ID("notify-label").Class("field-label").Text("Notifications"),
			app.Elem("button").
				ID("notify-toggle").
				Class("switch").
				Attr("type", "button").
				Role("switch").
				Aria("checked", p.Notify).
				Aria("labelledby", "notify-label").
				Title("Notify me of new messages while the app is in the background").
				OnClick(p.onNotifyClick).
				Body(
					app.Elem("span").Class("switch-thumb").Aria("hidden", "true"),
					app.Elem("span").Class("switch-text").Text(notifyLabel),
				),
		),
		app.Elem("div").Class("field-row").Body(
			app.Elem("span").ID("hide-text-label").Class("field-label").Text("Hide message text"),
			app.Elem("button").
				ID("hide-text-toggle").
				Class("switch").
				Attr("type", "button").
				Role("switch").
				Aria("checked", p.HideText).
				Aria("labelledby", "hide-text-label").
				Title("Notifications say who wrote, not what").
				OnClick(p.onHideTextClick).
				Body(
					app.Elem("span").Class("switch-thumb").Aria("hidden", "true"),
					app.Elem("span").Class("switch-text").Text(onOff(p.HideText)),
				),
		),
		app.Elem("div").Class("field-row").Body(
			app.Elem("label").Attr("for", "read-receipts").Class("field-label").Text("Send read receipts"),
			app.Input().
				ID("read-receipts").
				Class("checkbox").
				Attr("type", "checkbox").
				Checked(p.ReadReceipts).
				Title("Others see \"seen by\" under their messages once you read them").
				OnChange(p.onReadReceiptsChange),
		),
		app.Elem("form").Class("field-group").OnSubmit(p.onRelaySubmit).Body(
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
				OnChange(p.onRelayChange),
			app.Elem("p").Class("field-hint").Text("Separate several with commas: when one fails, the next is used. Leave empty for the default."),
			app.Elem("p").Class("field-error").Role("alert").Text(p.RelayError),
		),
	)
}

func (p *ProfileSettings) onNickSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.setNick(ctx, app.Window().GetElementByID("nick").Get("value").String())
}

func (p *ProfileSettings) onNickChange(ctx app.Context, e app.Event) {
	p.setNick(ctx, ctx.JSSrc().Get("value").String())
}

// setNick asks for nick; ChatApp ignores the unchanged one.
func (p *ProfileSettings) setNick(ctx app.Context, nick string) {
	ctx.NewActionWithValue(actionSetNick, strings.TrimSpace(nick))
}

func (p *ProfileSettings) onNotifyClick(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionSetNotify, !p.Notify)
}

func (p *ProfileSettings) onHideTextClick(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionHideText, !p.HideText)
}

func (p *ProfileSettings) onReadReceiptsChange(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionSetReadReceipts, ctx.JSSrc().Get("checked").Bool())
}

func onOff(on bool) string {
	if on {
		return "On"
	}
	return "Off"
}

func (p *ProfileSettings) onRelaySubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.setRelay(ctx, app.Window().GetElementByID("relay-url").Get("value").String())
}

func (p *ProfileSettings) onRelayChange(ctx app.Context, e app.Event) {
	p.setRelay(ctx, ctx.JSSrc().Get("value").String())
}

// setRelay asks for the relay list; ChatApp ignores the unchanged one.
func (p *ProfileSettings) setRelay(ctx app.Context, relay string) {
	ctx.NewActionWithValue(actionSetRelay, strings.TrimSpace(relay))
}
