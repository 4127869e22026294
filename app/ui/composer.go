package ui

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// counterThreshold is the share of the size limit from which the composer
// shows how many bytes are used, so a long message never surprises anyone.
const counterThreshold = 0.8

// Composer is where a message is written: Enter sends, Shift+Enter starts a
// new line. A refused message (too long) stays in the box with the reason
// under it. Typing "@" and the start of a nick opens a list of the people
// to mention (ArrowUp/ArrowDown choose, Enter or Tab insert, Escape
// closes); its state is the composer's own, so that typing re-renders the
// composer at most, never the whole app.
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
	// Nicks are the people whose mention the composer completes: everyone
	// present but me.
	Nicks []string

	mention  completion // the list of nicks for the mention being typed
	answered int        // the answers already applied to the box
	errText  string     // shown under the box until the text is short enough
	used     int        // bytes in the box, for the counter
	sent     string     // the text of the last send, until it is answered
}

// actionSend carries the text to send (a string) to ChatApp, which answers
// through Answered and Error: an action, not a function field, so that
// go-app can compare the composer and skip its re-render.
const actionSend = "chat/send"

// actionDraft carries the draft (a string) after every edit, for the typing
// indicator (chat.Client.DraftChanged).
const actionDraft = "chat/draft"

// completion is the composer's list of people for the "@" being typed.
type completion struct {
	matches []string // the nicks offered; none when the list is closed
	active  int      // the index of the one Enter would insert
}

// maxCompletions is how many nicks the list offers at most: "@" alone in a
// big room matches everyone, and the list is rebuilt as each key is typed.
const maxCompletions = 8

// The list's ids: the box names the list (aria-controls) and its active
// option (aria-activedescendant).
const mentionListID = "mention-list"

func mentionOptionID(i int) string { return "mention-option-" + strconv.Itoa(i) }

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
	c.mention = completion{}
	box := app.Window().GetElementByID("composer")
	if !box.Truthy() {
		return
	}
	if c.Error == "" {
		rest := leftAfterSend(box.Get("value").String(), c.sent)
		c.used = len(rest)
		box.Set("value", rest)
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
	active := ""
	if len(c.mention.matches) > 0 {
		active = mentionOptionID(c.mention.active)
	}
	return app.Elem("form").Class("composer").OnSubmit(c.onSubmit).Body(
		// Always there, so that the box after it stays the same node (and
		// keeps its text) when the mode comes and goes.
		app.Elem("div").Class("composer-mode").Body(when(c.Mode != "", func() app.UI {
			return app.Elem("div").Class("composer-mode-inner").Body(
				app.Elem("bdi").Class("composer-mode-text").Text(c.Mode),
				app.Elem("button").Class("button small ghost").Attr("type", "button").Text("Cancel").
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(actionCancelCompose) }),
			)
		})),
		// Always there (hidden when closed): the box names it.
		app.Elem("ul").ID(mentionListID).Class("mention-list").Role("listbox").Aria("label", "People to mention").
			Hidden(len(c.mention.matches) == 0).Body(
			each(len(c.mention.matches), func(i int) app.UI {
				return app.Elem("li").ID(mentionOptionID(i)).Class("mention-option").Role("option").
					Aria("selected", strconv.FormatBool(i == c.mention.active)).
					// The box keeps the focus (and its cursor) on a click.
					OnMouseDown(func(ctx app.Context, e app.Event) { ctx.PreventUpdate(); e.PreventDefault() }).
					OnClick(func(ctx app.Context, e app.Event) { c.insertMention(ctx, i) }).
					Body(app.Elem("bdi").Text(c.mention.matches[i]))
			})...,
		),
		app.Elem("div").Class("composer-box").Body(
			app.Elem("textarea").
				ID("composer").
				Class("composer-input").
				Aria("label", "Message").
				Aria("describedby", "composer-error").
				Aria("autocomplete", "list").
				Aria("controls", mentionListID).
				Aria("expanded", strconv.FormatBool(len(c.mention.matches) > 0)).
				Aria("activedescendant", active).
				Attr("placeholder", placeholder).
				Attr("rows", 1).
				Attr("disabled", c.Disabled).
				OnKeyDown(c.onKeyDown).
				OnInput(c.onInput).
				OnBlur(c.onBlur),
			app.Elem("button").
				ID("send").
				Class("send").
				Attr("type", "submit").
				Title("Send (Enter)").
				Attr("disabled", c.Disabled).
				Body(
					app.Elem("span").Class("send-icon").Aria("hidden", "true"),
					app.Elem("span").Class("send-label").Text("Send"),
				),
		),
		app.Elem("div").Class("composer-foot").Body(
			app.Elem("p").ID("composer-error").Class("composer-error").Role("alert").Text(c.errText),
			when(c.showCounter(), func() app.UI {
				return app.Elem("span").Class("counter").Text(strconv.Itoa(c.used) + " / " + strconv.Itoa(c.MaxText) + " bytes")
			}),
		),
	)
}

func (c *Composer) showCounter() bool {
	return c.MaxText > 0 && float64(c.used) >= counterThreshold*float64(c.MaxText)
}

func (c *Composer) onKeyDown(ctx app.Context, e app.Event) {
	if len(c.mention.matches) > 0 && !e.Get("isComposing").Truthy() && c.onMentionKey(ctx, e) {
		return
	}
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
	box := ctx.JSSrc()
	draft := box.Get("value").String()
	ctx.NewActionWithValue(actionDraft, draft)
	listChanged := c.complete(box, draft)
	used := len(draft)
	wasCounting := c.showCounter()
	c.used = used
	if !listChanged && c.errText == "" && wasCounting == c.showCounter() && !c.showCounter() {
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
	c.sent = box.Get("value").String()
	ctx.NewActionWithValue(actionSend, c.sent)
}

// leftAfterSend is what stays in the box once the send of sent is taken:
// what was typed after it. A send pressed before the store is open is
// answered later (ChatApp.onSend), and the person may go on typing
// meanwhile; those words must not go with the box's clearing. A box that
// no longer starts with sent was edited in between: it stays as it is,
// since clearing it would lose the edit (the sent line shows in the list).
func leftAfterSend(value, sent string) string {
	if rest, ok := strings.CutPrefix(value, sent); ok {
		return rest
	}
	return value
}

// complete opens, changes or closes the list for the mention being typed
// just before the cursor (chat.MentionCompletions), and reports whether
// the list changed: only then is the composer re-rendered.
func (c *Composer) complete(box app.Value, draft string) bool {
	var matches []string
	if strings.IndexByte(draft, '@') >= 0 && len(c.Nicks) > 0 {
		before := draft[:byteOffset(draft, box.Get("selectionStart").Int())]
		_, matches = chat.MentionCompletions(before, c.Nicks)
		matches = matches[:min(len(matches), maxCompletions)]
	}
	if slices.Equal(matches, c.mention.matches) {
		return false
	}
	c.mention = completion{matches: matches}
	return true
}

// onMentionKey handles a key while the list is open: false leaves it to
// the box (letters go on typing the nick).
func (c *Composer) onMentionKey(ctx app.Context, e app.Event) bool {
	n := len(c.mention.matches)
	switch e.Get("key").String() {
	case "ArrowDown":
		c.mention.active = (c.mention.active + 1) % n
	case "ArrowUp":
		c.mention.active = (c.mention.active + n - 1) % n
	case "Enter", "Tab":
		if e.Get("shiftKey").Truthy() {
			return false
		}
		c.insertMention(ctx, c.mention.active)
	case "Escape":
		e.Call("stopPropagation") // it closes the list, not a panel
		c.mention = completion{}
	default:
		return false
	}
	e.PreventDefault()
	return true
}

// insertMention replaces the "@" and what follows it up to the cursor with
// "@nick " for the list's option i, and closes the list.
func (c *Composer) insertMention(ctx app.Context, i int) {
	matches := c.mention.matches
	c.mention = completion{}
	box := app.Window().GetElementByID("composer")
	if !box.Truthy() || i < 0 || i >= len(matches) {
		return
	}
	value := box.Get("value").String()
	caret := byteOffset(value, box.Get("selectionStart").Int())
	before, after := value[:caret], value[caret:]
	start, _ := chat.MentionCompletions(before, c.Nicks)
	if start < 0 {
		return
	}
	before = before[:start] + "@" + matches[i] + " "
	box.Set("value", before+after)
	// The box counts in UTF-16 code units, Go in bytes.
	at := utf16Len(before)
	box.Call("setSelectionRange", at, at)
	box.Call("focus")
	c.used = len(before) + len(after)
	ctx.NewActionWithValue(actionDraft, before+after)
}

// onBlur closes the list: it belongs to the box's cursor. A click on an
// option does not blur the box (its mousedown is prevented).
func (c *Composer) onBlur(ctx app.Context, e app.Event) {
	if len(c.mention.matches) == 0 {
		ctx.PreventUpdate()
		return
	}
	c.mention = completion{}
}

// byteOffset is the index in s of the JavaScript string index at (in
// UTF-16 code units, as a box's cursor), at a rune boundary.
func byteOffset(s string, at int) int {
	for i, r := range s {
		if at <= 0 {
			return i
		}
		at -= max(1, utf16.RuneLen(r))
	}
	return len(s)
}

// utf16Len is how long s is in a JavaScript string.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += max(1, utf16.RuneLen(r))
	}
	return n
}
