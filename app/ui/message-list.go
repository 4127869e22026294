package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// Rendering limits of the message list. The client keeps at most
// chat.MaxViewLines lines; the list shows between renderBase and that many.
// Once full, the list drops renderSlack lines at once instead of one per new
// message, so most renders only append (go-app diffs children by position,
// and shifting every row by one would rewrite all of them).
const (
	renderSlack = 50
	renderBase  = chat.MaxViewLines - renderSlack
)

// stickDistance is how close (in CSS pixels) to the bottom the person must be
// for new messages to scroll the list: someone reading older messages is not
// yanked away from them.
const stickDistance = 96

// MessageList is the conversation: a live log of messages, system lines and
// gap dividers that follows new messages while the person is at the bottom.
type MessageList struct {
	app.Compo

	// Room is the room shown; a new room always starts at its bottom.
	Room string
	// Lines are the conversation lines, oldest first.
	Lines []chat.Line

	anchor  string // key of the first rendered line
	lastKey string // key of the newest line at the previous render

	// today is the calendar day the separators were last drawn for; the
	// midnight timer changes it, which redraws "Today" and "Yesterday".
	today civilDay
	// midnight redraws the list when the day changes (relabelAtMidnight).
	midnight *time.Timer
}

// OnInit picks the first rendered line before the first render.
func (l *MessageList) OnInit() {
	l.anchor = firstShownKey(l.Lines, l.anchor)
	l.lastKey = lastKey(l.Lines)
}

// OnMount starts at the newest message and relabels the day separators at
// every local midnight.
func (l *MessageList) OnMount(ctx app.Context) {
	ctx.Defer(scrollToBottom)
	l.relabelAtMidnight(ctx)
}

// relabelAtMidnight redraws the list when the person's calendar day
// changes, and again at the start of each following day: no message needs
// to arrive for yesterday's messages to stop saying "Today".
func (l *MessageList) relabelAtMidnight(ctx app.Context) {
	now := time.Now()
	l.today = dayOf(localTime, now)
	// A second late: a timer that fires at the very instant could still
	// read the old day. A plain timer, not ctx.After: go-app counts
	// ctx.After as pending work, which a test engine's ConsumeAll would wait
	// on until midnight.
	if l.midnight != nil {
		l.midnight.Stop()
	}
	l.midnight = time.AfterFunc(untilNextDay(localTime, now)+time.Second, func() {
		ctx.Dispatch(func(ctx app.Context) {
			if l.Mounted() {
				l.relabelAtMidnight(ctx)
			}
		})
	})
}

// OnDismount stops the midnight timer.
func (l *MessageList) OnDismount() {
	if l.midnight != nil {
		l.midnight.Stop()
	}
}

// OnUpdate runs when the parent hands over new lines, before they render: the
// moment to measure whether the person is at the bottom.
func (l *MessageList) OnUpdate(ctx app.Context) {
	follow := nearBottom()
	if newest := lastKey(l.Lines); newest != l.lastKey {
		// My own new message always brings me to the bottom.
		if n := len(l.Lines); n > 0 && l.Lines[n-1].Mine {
			follow = true
		}
		l.lastKey = newest
	}
	l.anchor = firstShownKey(l.Lines, l.anchor)
	if follow {
		ctx.Defer(scrollToBottom)
	}
}

// Render draws the list. The ids and classes are a stable contract with the
// end-to-end tests.
func (l *MessageList) Render() app.UI {
	shown := shownLines(l.Lines, l.anchor)
	return app.Div().ID("scroller").Class("scroller").Body(
		app.Ul().
			ID("messages").
			Class("messages").
			Role("log").
			Aria("live", "polite").
			Aria("relevant", "additions").
			Aria("label", "Messages in "+l.Room).
			Body(withDaySeparators(shown, l.day())...),
		// After the list: go-app diffs children by position, and a
		// placeholder in front would remount the whole list.
		app.If(len(l.Lines) == 0, func() app.UI {
			return app.Div().Class("empty").Body(
				app.P().Class("empty-title").Text("No messages yet"),
				app.P().Class("empty-hint").Text("Say hello — everyone in this room will see it."),
			)
		}),
	)
}

// day is the calendar day of the separators: the clock's at render time,
// which is never behind the midnight timer's.
func (l *MessageList) day() civilDay {
	l.today = dayOf(localTime, time.Now())
	return l.today
}

// withDaySeparators renders the lines with a separator in front of the
// first line of each calendar day ("Today", "Yesterday", then the date).
// Lines without a time (none in practice) never start a day.
func withDaySeparators(lines []chat.Line, today civilDay) []app.UI {
	items := make([]app.UI, 0, len(lines)+4)
	var last civilDay
	for i := range lines {
		if t := lines[i].Time; !t.IsZero() {
			if day := dayOf(localTime, t); day != last {
				last = day
				items = append(items, daySeparator(t, today))
			}
		}
		items = append(items, &MessageItem{Line: lines[i]})
	}
	return items
}

// daySeparator is the heading of one day in the conversation.
func daySeparator(t time.Time, today civilDay) app.UI {
	label := dayLabel(localTime, t, today)
	return app.Li().Class("day").Body(
		app.Time().
			Class("day-label").
			DateTime("%s", datetime(localTime, t)[:len("2006-01-02")]).
			Text(label),
	)
}

// firstShownKey returns the key of the first line to render: the current
// anchor while it is still among the lines and no more than
// chat.MaxViewLines would show, otherwise the line renderBase from the end.
// Lines that arrive in front of the anchor (delivered messages and notices
// come before my queued and failed ones) move it back to that line, so that
// they are never hidden above the window.
func firstShownKey(lines []chat.Line, anchor string) string {
	if len(lines) == 0 {
		return ""
	}
	start := max(0, len(lines)-renderBase)
	if anchor != "" {
		for _, line := range lines[:start+1] {
			if line.Key == anchor {
				return anchor
			}
		}
	}
	return lines[start].Key
}

// shownLines returns the lines from the anchor on.
func shownLines(lines []chat.Line, anchor string) []chat.Line {
	for i := range lines {
		if lines[i].Key == anchor {
			return lines[i:]
		}
	}
	return lines[max(0, len(lines)-renderBase):]
}

func lastKey(lines []chat.Line) string {
	if len(lines) == 0 {
		return ""
	}
	return lines[len(lines)-1].Key
}

// nearBottom reports whether the list is scrolled (almost) to its end.
func nearBottom() bool {
	if app.IsServer {
		return true
	}
	el := app.Window().GetElementByID("scroller")
	if !el.Truthy() {
		return true
	}
	return el.Get("scrollHeight").Int()-el.Get("scrollTop").Int()-el.Get("clientHeight").Int() < stickDistance
}

func scrollToBottom(ctx app.Context) {
	el := app.Window().GetElementByID("scroller")
	if el.Truthy() {
		el.Set("scrollTop", el.Get("scrollHeight").Int())
	}
}
