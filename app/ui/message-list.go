package ui

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// Rendering limits of the message list. The client keeps at most
// chat.MaxViewLines lines. A room opens showing its newest renderOpen: its
// first frame is what a person waits for, and building 250 rows in go-app
// took 440 ms of the 500-message room benchmark (BENCHMARKS.md), 40 rows
// about 110. 16 rows (about 70 px each) fill a laptop's list and leave more
// than growDistance above it, so the first draw builds just those; a taller
// list grows right after it (watchOlderEdge). Scrolling near the top shows
// renderGrow more above, up to renderBase. New messages are appended, renderSlack at a time at the
// bottom (trimAtBottom), otherwise until the window holds every line the
// client keeps; then it drops back at once instead of one line per new
// message, so most renders only append (go-app diffs children by position,
// and shifting every row by one would rewrite all of them).
const (
	renderOpen  = 16
	renderGrow  = 60
	renderSlack = 50
	renderBase  = chat.MaxViewLines - renderSlack
)

// growDistance is how close (in CSS pixels) to the top the person must
// scroll for older lines to be shown.
const growDistance = 400

// The list's scroller is a reversed column (web/app.css): its scroll
// position counts from the bottom, 0 there and negative above. A list at
// its bottom therefore stays there as lines are added below, with no
// script, and the render of a new line never asks the browser where
// anything is: asking (scrollHeight, scrollTop) inside Go's render made the
// browser lay the page out in the middle of it, the largest part of each
// render of a flood (BENCHMARKS.md, "The flood's slowest keypress"). A
// person reading older lines keeps them in sight through the browser's own
// scroll anchoring, which does not apply at position 0.

// actionListAtBottom tells ChatApp whether the list is scrolled to its
// bottom (bool), each time that changes: at the bottom the newest lines
// are in sight, and ChatApp marks them read.
const actionListAtBottom = "chat/list-at-bottom"

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
	// Divider is the key of the line the "New messages" divider goes
	// above; "" for none.
	Divider string
	// Nicks are the people present and Me my nick, for the mentions in the
	// messages (MessageItem).
	Nicks []string
	Me    string

	// picking is the key of the line whose emoji picker is open, "" for
	// none (row-clicks.go).
	picking string

	anchor  string // key of the first rendered line
	lastKey string // key of the newest line at the previous render
	// least is how many lines the window shows at least: renderOpen when
	// a room opens, more once the person scrolled up (showOlder).
	least int
	// shownRoom is the room least belongs to.
	shownRoom string
	// stopScroll removes the scroll listener.
	stopScroll func()
	// olderEdge watches the top of the list (watchOlderEdge); nil before
	// the mount and in browsers without IntersectionObserver.
	olderEdge *edgeWatch
	// growing is set when the top of the list comes near until the older
	// lines are rendered, so that the window grows once per approach.
	growing atomic.Bool
	// away is what the scroll listener last saw: not at the bottom. It is
	// compared there so that only a change costs a dispatch and a render.
	away atomic.Bool
	// offBottom is what the scroll listener last saw: not at the very
	// bottom (away, or less than stickDistance above it), where following
	// new lines takes a scroll.
	offBottom atomic.Bool

	// scrolledUp shows "Jump to latest": the person left the bottom.
	scrolledUp bool
	// upFrom is the key of the newest line when the person left the
	// bottom; newBelow counts the messages from others after it.
	upFrom   string
	newBelow int

	// today is the calendar day the separators were last drawn for; the
	// midnight timer changes it, which redraws "Today" and "Yesterday".
	today civilDay
	// midnight redraws the list when the day changes (relabelAtMidnight).
	midnight *time.Timer
}

// OnInit picks the first rendered line before the first render.
func (l *MessageList) OnInit() {
	l.openRoom()
	l.lastKey = lastKey(l.Lines)
}

// openRoom starts the window of a newly shown room at its newest lines.
func (l *MessageList) openRoom() {
	l.shownRoom, l.least = l.Room, renderOpen
	l.anchor = firstShownKey(l.Lines, "", l.least)
}

// syncRoom opens the window of Room when it is not the room shown, and
// reports whether it did.
func (l *MessageList) syncRoom() bool {
	if l.Room == l.shownRoom {
		return false
	}
	l.openRoom()
	return true
}

// OnMount follows whether the person leaves the bottom, shows older lines
// as the top of the list comes near and relabels the day separators at
// every local midnight. A new scroller starts at its bottom (a reversed
// column), so the newest lines are in sight without a scroll.
func (l *MessageList) OnMount(ctx app.Context) {
	l.away.Store(false)
	l.offBottom.Store(false)
	l.relabelAtMidnight(ctx)
	scroller := app.Window().GetElementByID("scroller")
	if !scroller.Truthy() {
		return
	}
	l.stopScroll = listen(scroller, "scroll", func() {
		// Read in a scroll event, which the browser sends after it has
		// laid out the frame: no layout is forced.
		above := -scroller.Get("scrollTop").Float()
		l.offBottom.Store(above >= 1)
		away := above >= stickDistance
		if l.away.Swap(away) != away {
			ctx.Dispatch(func(ctx app.Context) { l.setScrolledUp(ctx, away) })
		}
	})
	l.olderEdge = watchEdge(scroller, "#older-edge", growDistance, func() {
		if !l.growing.Swap(true) {
			ctx.Dispatch(func(ctx app.Context) { l.showOlder(ctx, "") })
		}
	})
}

// setScrolledUp follows the person leaving the bottom of the list (away)
// or coming back to it, and tells ChatApp.
func (l *MessageList) setScrolledUp(ctx app.Context, away bool) {
	if away == l.scrolledUp {
		return
	}
	l.scrolledUp, l.upFrom, l.newBelow = away, lastKey(l.Lines), 0
	ctx.NewActionWithValue(actionListAtBottom, !away)
}

// jumpToLatest scrolls to the newest line; the scroll listener then sees
// the bottom, which hides the button and marks the lines read. A <button>:
// Enter and Space press it too.
func (l *MessageList) jumpToLatest(ctx app.Context, e app.Event) {
	scrollToBottom(ctx)
}

// showOlder shows renderGrow more lines above the first rendered one, or,
// with a key, every line from that one on and then scrolls to it. What the
// person sees stays where it is: go-app reuses rows by position, which
// would mislead the browser's own scroll anchoring (it keeps the row node,
// which then shows another line), so the line that was first is put back
// where it was on screen by hand (by its key). Once rendered, the top of
// the list is looked at again: while it is still near, more is shown.
func (l *MessageList) showOlder(ctx app.Context, key string) {
	to, ok := olderStart(l.Lines, l.anchor, key)
	if !ok {
		l.growing.Store(false)
		if key != "" {
			jumpTo(key) // already shown, or gone from the client's window
		}
		return
	}
	kept := l.anchor
	before, measured := lineTop(kept)
	l.least = len(l.Lines) - to
	l.anchor = l.Lines[to].Key
	ctx.Update()
	ctx.Defer(func(ctx app.Context) {
		if after, ok := lineTop(kept); ok && measured {
			scroller := app.Window().GetElementByID("scroller")
			scroller.Set("scrollTop", scroller.Get("scrollTop").Float()+after-before)
		}
		if key != "" {
			jumpTo(key)
		}
		l.growing.Store(false)
		l.olderEdge.recheck()
	})
}

// lineTop returns where the row of the line with key is on screen (its
// top, in CSS pixels), if it is rendered.
func lineTop(key string) (float64, bool) {
	row, ok := renderedRow(key)
	if !ok {
		return 0, false
	}
	return row.Call("getBoundingClientRect").Get("top").Float(), true
}

// renderedRow returns the list's row of the line with key, if it is
// rendered. Keys are compared, not put in a selector: another client's
// message id may hold any character.
func renderedRow(key string) (app.Value, bool) {
	rows := app.Window().Get("document").Call("querySelectorAll", "#messages li[data-key]")
	for i := range rows.Length() {
		if row := rows.Index(i); row.Get("dataset").Get("key").String() == key {
			return row, true
		}
	}
	return nil, false
}

// olderStart returns the index of the first line to render when the
// window grows above anchor: renderGrow lines higher, or up to key's line
// when key is given, never more than renderBase lines in all. ok is false
// when nothing above would be added (key already shown or not kept).
func olderStart(lines []chat.Line, anchor, key string) (to int, ok bool) {
	first := indexOfKey(lines, anchor)
	to = first - renderGrow
	if key != "" {
		to = indexOfKey(lines, key)
		if to < 0 {
			return 0, false
		}
	}
	to = max(to, 0, len(lines)-renderBase)
	return to, first > 0 && to < first
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

// OnDismount stops the midnight timer, the scroll listener and the
// watch on the top of the list.
func (l *MessageList) OnDismount() {
	if l.midnight != nil {
		l.midnight.Stop()
	}
	if l.stopScroll != nil {
		l.stopScroll()
		l.stopScroll = nil
	}
	l.olderEdge.stop()
	l.olderEdge = nil
}

// OnUpdate runs when the parent hands over new lines, before they render.
// Whether the person is at the bottom is what the scroll listener last saw:
// measuring it here would make the browser lay out the page as this render
// has left it so far (BENCHMARKS.md).
func (l *MessageList) OnUpdate(ctx app.Context) {
	// A new room always starts at its bottom, and so does a list that
	// showed no line (a room opened from the relay, whose history just
	// came).
	opened := l.syncRoom()
	follow := opened || l.lastKey == "" || !l.away.Load()
	if newest := lastKey(l.Lines); newest != l.lastKey {
		// My own new message always brings me to the bottom.
		if n := len(l.Lines); n > 0 && l.Lines[n-1].Mine {
			follow = true
		}
		l.lastKey = newest
	}
	if opened {
		l.scrolledUp, l.newBelow = false, 0
		l.away.Store(false)
	}
	if l.scrolledUp {
		// Lines arrive below while the person reads older ones: what is on
		// screen stays, and the button counts them.
		l.newBelow = arrivedAfter(l.Lines, l.upFrom)
	}
	l.anchor = firstShownKey(l.Lines, l.anchor, l.least)
	if follow {
		first := l.anchor
		l.anchor, l.least = trimAtBottom(l.Lines, l.anchor, l.least)
		if l.offBottom.Load() {
			// Near the bottom, or brought there: only at its very bottom
			// does the list follow by itself.
			ctx.Defer(scrollToBottom)
		}
		if opened || l.anchor != first {
			// Fewer lines than before may leave the top of the list in
			// sight, which the watch only reports when it changes.
			ctx.Defer(func(app.Context) { l.olderEdge.recheck() })
		}
	}
}

// Render draws the list. The ids and classes are a stable contract with the
// end-to-end tests.
func (l *MessageList) Render() app.UI {
	shown := shownLines(l.Lines, l.anchor, l.least)
	return app.Elem("div").ID("scroller").Class("scroller").Body(
		app.Elem("ul").
			ID("messages").
			Class("messages").
			Role("log").
			Aria("live", "polite").
			Aria("relevant", "additions").
			Aria("label", "Messages in "+l.Room).
			OnClick(l.onRowClick).
			OnKeyDown(l.onRowKeyDown).
			Body(withPicker(withMentions(withDaySeparators(shown, l.day(), l.Divider), l.Nicks, l.Me), l.picking)...),
		// The top of the list, watched to show older lines; on screen above
		// the lines (web/app.css). Always there, right after the list: go-app
		// diffs children by position, and an element in front would remount
		// the whole list, one after the elements that come and go would be
		// replaced by them, and the watch with it.
		app.Elem("div").ID("older-edge").Class("older-edge").Aria("hidden", "true"),
		// After the list: go-app diffs children by position, and a
		// placeholder in front would remount the whole list.
		when(len(l.Lines) == 0, func() app.UI {
			return app.Elem("div").Class("empty").Body(
				app.Elem("p").Class("empty-title").Text("No messages yet"),
				app.Elem("p").Class("empty-hint").Text("Say hello — everyone in this room will see it."),
			)
		}),
		when(l.scrolledUp, func() app.UI { return jumpButton(l.newBelow, l.jumpToLatest) }),
	)
}

// jumpButton is "Jump to latest", with how many messages arrived below
// since the person scrolled up. It sticks to the bottom of the scroller
// (web/app.css), over the lines.
func jumpButton(newBelow int, jump app.EventHandler) app.UI {
	label := "Jump to latest"
	if newBelow > 0 {
		label += ", " + strconv.Itoa(newBelow) + " new"
	}
	return app.Elem("button").ID("jump-latest").Class("jump-latest").Attr("type", "button").OnClick(jump).Text(label)
}

// arrivedAfter counts the messages from others after the line with key
// (all of them when it is gone).
func arrivedAfter(lines []chat.Line, key string) int {
	n := 0
	for _, line := range lines[indexOfKey(lines, key)+1:] {
		if line.Kind == chat.LineMessage && !line.Mine {
			n++
		}
	}
	return n
}

// day is the calendar day of the separators: the clock's at render time,
// which is never behind the midnight timer's.
func (l *MessageList) day() civilDay {
	l.today = dayOf(localTime, time.Now())
	return l.today
}

// withDaySeparators renders the lines with a separator in front of the
// first line of each calendar day ("Today", "Yesterday", then the date),
// and the "New messages" divider right above the line with the key
// divider. Lines without a time (none in practice) never start a day.
// Only the last of my messages says "seen by": the others' SeenBy is
// zeroed, so that a receipt re-renders one row, not every one of mine.
func withDaySeparators(lines []chat.Line, today civilDay, divider string) []app.UI {
	items := make([]app.UI, 0, len(lines)+5)
	lastMine := -1
	for i := range lines {
		if lines[i].Mine {
			lastMine = i
		}
	}
	var last civilDay
	for i := range lines {
		if t := lines[i].Time; !t.IsZero() {
			if day := dayOf(localTime, t); day != last {
				last = day
				items = append(items, daySeparator(t, today))
			}
		}
		if divider != "" && lines[i].Key == divider {
			items = append(items, newMessagesDivider())
		}
		line := lines[i]
		if i != lastMine {
			line.SeenBy = 0
		}
		items = append(items, &MessageItem{Line: line})
	}
	return items
}

// newMessagesDivider marks where the unread lines start.
func newMessagesDivider() app.UI {
	return app.Elem("li").Class("new-divider").Role("separator").Text("New messages")
}

// daySeparator is the heading of one day in the conversation.
func daySeparator(t time.Time, today civilDay) app.UI {
	label := dayLabel(localTime, t, today)
	return app.Elem("li").Class("day").Body(
		app.Elem("time").
			Class("day-label").
			Attr("datetime", datetime(localTime, t)[:len("2006-01-02")]).
			Text(label),
	)
}

// firstShownKey returns the key of the first line to render: the current
// anchor while it is still among the lines and at least least lines would
// show, otherwise the line least from the end. Lines that arrive in front
// of the anchor (delivered messages and notices come before my queued and
// failed ones) move it back to that line, so that they are never hidden
// above the window.
func firstShownKey(lines []chat.Line, anchor string, least int) string {
	if len(lines) == 0 {
		return ""
	}
	start := max(0, len(lines)-least)
	if anchor != "" {
		for _, line := range lines[:start+1] {
			if line.Key == anchor {
				return anchor
			}
		}
	}
	return lines[start].Key
}

// trimAtBottom keeps the window short while the person follows the
// newest messages: once a room's history or a burst has appended
// renderSlack lines past what it shows at least, it starts again at the
// newest renderOpen. Every render builds every shown row, so a flood
// renders 40 to 90 rows instead of up to 300, and a history arriving from
// the relay in several frames still shows only its newest. A window the
// person grew by scrolling up keeps its size.
func trimAtBottom(lines []chat.Line, anchor string, least int) (string, int) {
	if least > renderOpen || len(shownLines(lines, anchor, least)) <= least+renderSlack {
		return anchor, least
	}
	return lines[len(lines)-renderOpen].Key, renderOpen
}

// shownLines returns the lines from the anchor on (the newest least when
// the anchor is gone).
func shownLines(lines []chat.Line, anchor string, least int) []chat.Line {
	if i := indexOfKey(lines, anchor); i >= 0 {
		return lines[i:]
	}
	return lines[max(0, len(lines)-least):]
}

// indexOfKey returns the index of the line with key, or -1.
func indexOfKey(lines []chat.Line, key string) int {
	for i := range lines {
		if lines[i].Key == key {
			return i
		}
	}
	return -1
}

func lastKey(lines []chat.Line) string {
	if len(lines) == 0 {
		return ""
	}
	return lines[len(lines)-1].Key
}

// scrollToBottom brings the list to its bottom, where it then follows new
// lines by itself (a reversed column: the bottom is 0).
func scrollToBottom(ctx app.Context) {
	if el := app.Window().GetElementByID("scroller"); el.Truthy() {
		el.Set("scrollTop", 0)
	}
}
