package ui

import (
	"hash/fnv"
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
}

// Render draws the line; see lineItem.
func (m *MessageItem) Render() app.UI { return lineItem(m.Line) }

// lineItem renders one line of the conversation as an <li>. Message text is
// always a text node (app.Text), never HTML; only http(s) links become <a>.
func lineItem(line chat.Line) app.UI {
	switch line.Kind {
	case chat.LineSystem:
		return app.Li().Class("sys").DataSet("key", line.Key).Body(
			app.Span().Class("sys-text").Text(line.Text),
		)
	case chat.LineGap:
		return app.Li().Class("gap").DataSet("key", line.Key).Role("separator").Body(
			app.Span().Class("gap-text").Text(gapText),
		)
	}
	return messageItem(line)
}

func messageItem(line chat.Line) app.UI {
	class := "msg"
	if line.Mine {
		class = "msg mine"
	}
	return app.Li().
		Class(class).
		DataSet("key", line.Key).
		DataSet("status", line.Status.String()).
		DataSet("mine", strconv.FormatBool(line.Mine)).
		Style("--hue", strconv.Itoa(nickHue(line.Nick))).
		Body(
			app.Div().Class("avatar").Aria("hidden", "true").DataSet("initial", initial(line.Nick)),
			app.Div().Class("bubble").Body(
				app.Div().Class("meta").Body(
					app.Span().Class("nick").Text(line.Nick),
					messageTime(line.Time),
					statusMark(line),
				),
				app.P().Class("text").Body(textSegments(line.Text)...),
			),
		)
}

// messageTime shows the local time of day, with the full date on hover and in
// the machine-readable datetime attribute.
func messageTime(t time.Time) app.UI {
	if t.IsZero() {
		return app.Time().Class("time")
	}
	local := t.Local()
	return app.Time().
		Class("time").
		DateTime("%s", local.Format(time.RFC3339)).
		Title("%s", local.Format("Mon 2 Jan 2006, 15:04:05")).
		Text(local.Format("15:04"))
}

// statusMark shows the delivery state of my messages: a clock while queued,
// one tick once written, two ticks once the relay echoed it to everyone.
// Other people's messages carry an empty mark so every message has the same
// shape.
func statusMark(line chat.Line) app.UI {
	mark := app.Span().Class("status")
	if !line.Mine {
		return mark
	}
	switch line.Status {
	case chat.StatusPending:
		return mark.Title("Waiting to send").Aria("label", "pending").Text("◷")
	case chat.StatusSent:
		return mark.Title("Sent").Aria("label", "sent").Text("✓")
	default:
		return mark.Title("Delivered").Aria("label", "delivered").Text("✓✓")
	}
}

// textSegments renders text as text nodes, with http(s) URLs as safe links.
func textSegments(text string) []app.UI {
	segments := chat.Linkify(text)
	nodes := make([]app.UI, 0, len(segments))
	for _, s := range segments {
		if s.URL != "" && isWebURL(s.URL) {
			nodes = append(nodes, app.A().
				Href("%s", s.URL).
				Rel(linkRel).
				Target(linkTarget).
				Text(s.Text))
			continue
		}
		nodes = append(nodes, app.Text(s.Text))
	}
	return nodes
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
// are easy to tell apart in the list.
func nickHue(nick string) int {
	h := fnv.New32a()
	h.Write([]byte(nick))
	return int(h.Sum32() % 360)
}

// initial is the letter shown in a nick's avatar.
func initial(nick string) string {
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(nick))
	if r == utf8.RuneError {
		return "?"
	}
	return string(unicode.ToUpper(r))
}
