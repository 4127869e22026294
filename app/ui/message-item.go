package ui

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// gapText is the divider shown when the relay could not replay every message
// missed while offline.
const gapText = "Some messages may be missing"

// Link attributes for links inside messages: a new tab that learns nothing
// about this page, and no endorsement for search engines.
const (
	linkRel    = "noopener noreferrer nofollow"
	linkTarget = "_blank"
)

// MessageItem is one line of the conversation. It is a component, not a
// plain element, so that a render of the list skips every line whose Line did
// not change instead of rebuilding and diffing its whole subtree: at 100
// messages per second that is most of the work.
type MessageItem struct {
	app.Compo

	// Line is the line shown.
	Line chat.Line
	// Nicks are the people present whose "@nick" is highlighted, nil when
	// the text has no "@" (withMentions): a join or leave then does not
	// re-render the row. Me is my nick, whose mentions also mark the row.
	Nicks []string
	Me    string
	// Picking: the emoji picker of this message is open (MessageList
	// keeps which one, row-clicks.go).
	Picking bool

	expanded bool // the person asked to see all of a long message
}

// Render draws the line; see lineItem.
func (m *MessageItem) Render() app.UI {
	if m.Line.Kind == chat.LineMessage {
		return messageItem(m.Line, m.expanded, m.showAll, m.Picking, mentionable{m.Nicks, m.Me})
	}
	return lineItem(m.Line)
}

// OnUpdate keeps the keyboard focus in the row when the render replaces the
// focused element: the actions are rebuilt when the first reaction comes
// (they move down) and go when the message is deleted. The focus goes back
// to the same action, else to the row; without this it would fall back to
// the page's start.
func (m *MessageItem) OnUpdate(ctx app.Context) {
	if app.IsServer {
		return
	}
	row := m.JSValue()
	document := app.Window().Get("document")
	active := document.Get("activeElement")
	if !row.Truthy() || !active.Truthy() || !row.Call("contains", active).Bool() {
		return
	}
	action := ""
	for _, class := range []string{"act-reply", "act-react", "act-edit", "act-delete"} {
		if active.Get("classList").Call("contains", class).Bool() {
			action = "." + class
		}
	}
	ctx.Defer(func(app.Context) {
		if row.Call("contains", document.Get("activeElement")).Bool() {
			return // still there
		}
		if action != "" {
			if el := row.Call("querySelector", action); el.Truthy() {
				el.Call("focus")
				return
			}
		}
		row.Call("focus")
	})
}

// mentionable is who a message's "@nick" mentions are highlighted for.
type mentionable struct {
	nicks []string // the people present
	me    string   // my nick: a mention of me marks the whole row
}

// withMentions hands the people present to the message rows among items
// (withDaySeparators): only to those whose text has an "@", so that the
// others are not re-rendered when someone joins or leaves.
func withMentions(items []app.UI, nicks []string, me string) []app.UI {
	for _, item := range items {
		if row, ok := item.(*MessageItem); ok {
			row.Me = me
			if strings.IndexByte(row.Line.Text, '@') >= 0 {
				row.Nicks = nicks
			}
		}
	}
	return items
}

func (m *MessageItem) showAll(ctx app.Context, e app.Event) { m.expanded = true }

// lineItem renders one line of the conversation as an <li>. Message text is
// always a text node (app.Text), never HTML; only http(s) links become <a>.
func lineItem(line chat.Line) app.UI {
	switch line.Kind {
	case chat.LineSystem:
		return app.Elem("li").Class("sys").DataSet("key", line.Key).Body(
			app.Elem("span").Class("sys-text").Text(line.Text),
		)
	case chat.LineGap:
		return app.Elem("li").Class("gap").DataSet("key", line.Key).Role("separator").Body(
			app.Elem("span").Class("gap-text").Text(gapText),
		)
	}
	return messageItem(line, false, nil, false, mentionable{})
}

// maxShownRunes is how much of a message shows until the person asks for
// all of it. What a page pays to lay out and paint text depends on what the
// text is: 60 KB of emoji cost ~8× 60 KB of prose in Chromium. Showing a
// bounded part of every message keeps any message, of any shape, about as
// cheap as a short one, so that no one message can freeze a room.
const maxShownRunes = 500

// shownText returns the part of text shown before "Show all", and whether
// that is not all of it.
func shownText(text string) (string, bool) {
	if len(text) <= maxShownRunes || utf8.RuneCountInString(text) <= maxShownRunes {
		return text, false
	}
	end, n := 0, 0
	for end = range text {
		if n == maxShownRunes {
			break
		}
		n++
	}
	return text[:end], true
}

// messageItem renders a message; a long one is cut (see maxShownRunes)
// unless expanded, with a button that calls showAll; picking shows the
// emoji picker under it. The other buttons of a row have no handler of
// their own: the list acts for them (row-clicks.go). Rows are focusable
// (tabindex 0): Tab reaches a message, then its actions, then the next
// message, and a focused row shows its actions as hover does (app.css).
func messageItem(line chat.Line, expanded bool, showAll app.EventHandler, picking bool, who mentionable) app.UI {
	text, cut := line.Text, false
	if !expanded {
		text, cut = shownText(line.Text)
	}
	if line.Deleted {
		text = deletedText
	}
	class := "msg"
	if line.Mine {
		class = "msg mine"
	}
	if line.Deleted {
		class += " deleted"
	}
	// chat.Mentions would say the same; MentionSpans is linked already.
	if !line.Mine && !line.Deleted && chat.MentionSpans(line.Text, []string{who.me}) != nil {
		class += " mentions-me"
	}
	return app.Elem("li").
		Class(class).
		TabIndex(0).
		DataSet("key", line.Key).
		DataSet("status", line.Status.String()).
		DataSet("mine", strconv.FormatBool(line.Mine)).
		Style("--hue", strconv.Itoa(nickHue(line.Nick))).
		Body(
			app.Elem("div").Class("avatar").Aria("hidden", "true").DataSet("initial", initial(line.Nick)),
			app.Elem("div").Class("bubble").Body(
				when(line.Reply != nil, func() app.UI { return replyQuote(line.Reply) }),
				app.Elem("div").Class("meta").Body(
					// <bdi>: a right-to-left nick cannot reorder the time
					// and marks next to it.
					app.Elem("bdi").Class("nick").Text(line.Nick),
					messageTime(line.Time),
					when(line.Edited, func() app.UI { return app.Elem("span").Class("edited").Text("edited") }),
					statusMark(line),
				),
				// dir="auto": the text takes its direction from its own
				// first strong letter, isolated from the page's.
				app.Elem("p").Class("text").Dir("auto").Body(textSegments(text, cut, who)...),
				when(line.Status == chat.StatusFailed, func() app.UI {
					return &FailedActions{Key: line.Key, Reason: line.Failure}
				}),
				when(line.Mine && line.Status == chat.StatusPending, func() app.UI { return cancelButton() }),
				when(cut && showAll != nil, func() app.UI {
					return app.Elem("button").
						Class("show-all button small ghost").
						Attr("type", "button").
						Text("Show all (" + strconv.Itoa((len(line.Text)+999)/1000) + " KB)").
						OnClick(showAll)
				}),
				// Reactions and actions (message-actions.go).
				when(len(line.Reactions) > 0, func() app.UI { return reactionsRow(line.Reactions) }),
				when(line.Status == chat.StatusDelivered && line.Seq > 0 && !line.Deleted, func() app.UI {
					return messageActions(line.Mine, picking)
				}),
				// Last: go-app diffs children by position.
				when(line.Mine && line.SeenBy > 0, func() app.UI { return seenBy(line.SeenBy) }),
			),
		)
}

// seenBy says how many others read my message, in words that read the
// same on screen and aloud ("Seen by 2"). The list shows it on my last
// message only.
func seenBy(n int) app.UI {
	return app.Elem("p").Class("seen-by").Text("Seen by " + strconv.Itoa(n))
}

// messageTime shows the person's local time of day; the full date and time
// is the hover title, and what screen readers read instead of the short
// time; datetime carries it for machines.
//
// It is markup go-app mounts as one node (app.Raw: the browser parses it)
// instead of five, each created and given its attributes one call into the
// browser at a time: the time was about a quarter of what mounting a row
// cost in a flood (BENCHMARKS.md). Its strings come from the clock and the
// browser's formats, and are escaped all the same.
func messageTime(t time.Time) app.UI {
	if t.IsZero() {
		return app.Elem("time").Class("time")
	}
	full := escapeHTML(localTime.full(t))
	return app.Raw(`<time class="time" datetime="` + escapeHTML(datetime(localTime, t)) + `" title="` + full +
		`"><span aria-hidden="true">` + escapeHTML(localTime.clock(t)) +
		`</span><span class="visually-hidden">` + full + `</span></time>`)
}

// escapeHTML is s as text in markup, in an element or a quoted attribute.
// html.EscapeString would link strings.Replacer: 22 KB of code.
func escapeHTML(s string) string {
	if !strings.ContainsAny(s, `&<>"'`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// statusMark shows the delivery state of my messages: a clock while queued,
// one tick once written, two ticks once the relay echoed it to everyone.
// Other people's messages carry an empty mark so every message has the same
// shape.
func statusMark(line chat.Line) app.UI {
	mark := app.Elem("span").Class("status")
	if !line.Mine {
		return mark
	}
	switch line.Status {
	case chat.StatusPending:
		return mark.Title("Waiting to send").Aria("label", "pending").Text("◷")
	case chat.StatusSent:
		return mark.Title("Sent").Aria("label", "sent").Text("✓")
	case chat.StatusFailed:
		return mark.Title("Not sent: "+line.Failure).Aria("label", "failed").Text("!")
	default:
		return mark.Title("Delivered").Aria("label", "delivered").Text("✓✓")
	}
}

// textSegments renders text as text nodes, with http(s) URLs as safe links,
// mentions of who is present as highlighted spans and styled pieces in
// their elements, <strong>, <em>, <s> or <code> (chat.Markup). When
// text is cut from a longer message, a link or mention at its very end may
// be cut too: it stays text rather than point somewhere its author did not
// mean.
func textSegments(text string, cut bool, who mentionable) []app.UI {
	segments := chat.Markup(text, who.nicks, who.me)
	nodes := make([]app.UI, 0, len(segments)+1)
	for i, s := range segments {
		if cut && i == len(segments)-1 {
			s.URL, s.Mention = "", false
		}
		if s.Mention {
			// A <span>, not a <bdi>: the text is the author's, in the
			// order they wrote it, and it reorders nothing a plain text
			// node would not. An isolate per mention costs the page a
			// bidi paragraph each (2.7× plain words for 60 KB of "@a ").
			class := "mention"
			if s.Me {
				class = "mention mention-me"
			}
			nodes = append(nodes, app.Elem("span").Class(class).Text(s.Text))
			continue
		}
		if s.URL != "" && isWebURL(s.URL) {
			nodes = append(nodes, app.Elem("a").
				Attr("href", s.URL).
				Attr("rel", linkRel).
				Attr("target", linkTarget).
				Text(s.Text))
			continue
		}
		if tag := styleTag(s.Style); tag != "" {
			nodes = append(nodes, app.Elem(tag).Text(s.Text))
			continue
		}
		nodes = append(nodes, app.Text(s.Text))
	}
	if cut {
		nodes = append(nodes, app.Text("…"))
	}
	return nodes
}

// styleTag is the element that sets a styled piece of text (chat.Style),
// or "" for plain text.
func styleTag(style chat.Style) string {
	switch style {
	case chat.Bold:
		return "strong"
	case chat.Italic:
		return "em"
	case chat.Strike:
		return "s"
	case chat.Code:
		return "code"
	}
	return ""
}

// isWebURL double-checks, independently of Linkify, that a link target is
// http(s): an href is the one place where text could become code.
func isWebURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

// nickHue gives every nick a stable colour (a hue in degrees) so that people
// are easy to tell apart in the list. The hash is 32-bit FNV-1a, written
// out: hash/fnv would link a package and a hash.Hash32 for one loop.
func nickHue(nick string) int {
	h := uint32(2166136261)
	for i := 0; i < len(nick); i++ {
		h ^= uint32(nick[i])
		h *= 16777619
	}
	return int(h % 360)
}

// initial is the letter shown in a nick's avatar.
func initial(nick string) string {
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(nick))
	if r == utf8.RuneError {
		return "?"
	}
	return string(unicode.ToUpper(r))
}
