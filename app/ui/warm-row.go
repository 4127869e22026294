package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// warmRow mounts one made-up message row, with its day separator, once,
// right after the first room's online view is drawn, makes the browser
// style and lay it out, and removes it. A new, empty room's first rows
// otherwise pay for everything done the first time at once: V8 compiling
// go-app's mount of a row and the row's own code (the wasm is compiled
// lazily, on each function's first call), the browser's first style and
// layout of rows. A person typing as the first messages come waits behind
// all of it (BENCHMARKS.md, "The flood's first key: one row mounted ahead (branch flood6)"). Not in an idle
// callback: that came after the first collection (idleCollection), up to
// 230 ms after the online view, when a flood may have started.
//
// The row goes through go-app's normal path, as a list's row does, but
// into a container of its own, not the message list: it is never in the
// log that screen readers follow (aria-live), never in the client's lines,
// history or counts, and hidden (aria-hidden, visibility: hidden, off
// screen: web/app.css), so it is never seen, read or focused.
type warmRow struct {
	// step counts next's steps: the row is in the page at 3 and 4.
	step int
}

// warmRowID is the id of the row's container.
const warmRowID = "warm-row"

// after is told of each new view of the open room; online is whether it is.
func (w *warmRow) after(ctx app.Context, online bool) {
	if online && w.step == 0 {
		w.step = 1
		ctx.Defer(w.next)
	}
}

// next takes the row through its steps, each in its own turn of go-app's
// loop: after the online view's render (a Defer), a dispatch that renders
// the row in the next frame, not in the online view's; after that render,
// a forced layout, then a dispatch whose render removes it.
func (w *warmRow) next(ctx app.Context) {
	switch w.step++; w.step {
	case 2:
		ctx.Dispatch(w.next)
	case 3:
		ctx.Defer(w.next)
	case 4:
		// Reading a size makes the browser style and lay out the row now.
		app.Window().GetElementByID(warmRowID).Get("offsetHeight")
		ctx.Dispatch(w.next)
	}
}

// render is the row's container while it is shown, else nothing.
func (w *warmRow) render() app.UI {
	if w.step != 3 && w.step != 4 {
		return nil
	}
	now := time.Now()
	line := chat.Line{Kind: chat.LineMessage, Key: warmRowID, Seq: 1, Status: chat.StatusDelivered, Nick: "warm", Text: "warm", Time: now}
	return app.Elem("ul").ID(warmRowID).Class("messages warm-row").Aria("hidden", "true").Body(
		withMentions(withDaySeparators([]chat.Line{line}, dayOf(localTime, now), ""), nil, "")...)
}
