package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// The buttons of the message rows (Reply, React and its emoji, Edit,
// Delete, a reaction, a reply's quote) have no listener of their own: one
// click and one keydown listener on the list (#messages) act for all of
// them, by the pressed button's class and the data-key of its row
// (row-handlers.go). Building the rows is most of what opening a room
// costs (BENCHMARKS.md), and a listener per button cost each row a Go
// function, a syscall/js callback and calls into the browser to add it, and
// again to remove it. The buttons stay real buttons: Tab reaches them, and
// Enter and Space press them (a click, which bubbles to the list).
//
// Buttons that are rare (Show all, Cancel, a failed message's actions)
// keep their own handlers, which this one ignores.

// onRowClick acts for the row button that was pressed, if any.
func (l *MessageList) onRowClick(ctx app.Context, e app.Event) {
	button := e.Get("target").Call("closest", "button")
	switch {
	case !button.Truthy():
	case hasClass(button, "act-reply"):
		sendRowAction(ctx, button, actionReplyTo)
	case hasClass(button, "act-edit"):
		sendRowAction(ctx, button, actionEditMessage)
	case hasClass(button, "act-delete"):
		sendRowAction(ctx, button, actionRemoveMessage)
	case hasClass(button, "reaction"):
		reactWith(ctx, button)
	case hasClass(button, "act-react"):
		l.togglePicker(ctx, button)
		return
	case hasClass(button, "pick"):
		l.closePicker(button)
		reactWith(ctx, button)
		return
	case hasClass(button, "reply-quote"):
		if key := datasetOf(button, "reveal"); key != "" {
			l.showOlder(ctx, key)
		}
		return
	}
	// Nothing of the list changed: ChatApp renders what the action changes.
	ctx.PreventUpdate()
}

// togglePicker opens the emoji picker of the row of the React button
// pressed, closing any other, or closes it. Opening puts the focus on its
// first emoji. The row is searched after the render, not the actions'
// group: that is markup go-app replaces as a whole (messageActions).
func (l *MessageList) togglePicker(ctx app.Context, react app.Value) {
	key := rowKeyOf(react)
	if key == "" || key == l.picking {
		l.picking = ""
		return
	}
	l.picking = key
	focusAfterRender(ctx, react.Call("closest", "li.msg"), ".pick")
}

// closePicker closes the picker that the emoji pick is in and gives the
// focus back to its React button: the focused emoji is about to go. At
// once, not deferred: go-app drops what a handler defers once the
// handler's element is gone, and this render removes it.
func (l *MessageList) closePicker(pick app.Value) {
	if react := pick.Call("closest", ".msg-actions").Call("querySelector", ".act-react"); react.Truthy() {
		react.Call("focus")
	}
	l.picking = ""
}

// onRowKeyDown makes the open picker work from the keyboard: the arrow
// keys move between its emoji (round the ends; Tab does too), and Escape
// closes it. Every other key is not the list's business.
func (l *MessageList) onRowKeyDown(ctx app.Context, e app.Event) {
	pick := e.Get("target")
	if !hasClass(pick, "pick") {
		ctx.PreventUpdate()
		return
	}
	picker := pick.Get("parentElement")
	var next app.Value
	switch e.Get("key").String() {
	case "Escape":
		e.PreventDefault()
		e.Call("stopPropagation") // it closes the picker, not a panel
		l.closePicker(pick)
		return
	case "ArrowRight", "ArrowDown":
		if next = pick.Get("nextElementSibling"); !next.Truthy() {
			next = picker.Get("firstElementChild")
		}
	case "ArrowLeft", "ArrowUp":
		if next = pick.Get("previousElementSibling"); !next.Truthy() {
			next = picker.Get("lastElementChild")
		}
	}
	ctx.PreventUpdate() // moving the focus changes nothing to render
	if next != nil && next.Truthy() {
		e.PreventDefault()
		next.Call("focus")
	}
}

// withPicker tells the message row of the line with key that its picker is
// open ("" for none), among items (withDaySeparators).
func withPicker(items []app.UI, key string) []app.UI {
	if key == "" {
		return items
	}
	for _, item := range items {
		if row, ok := item.(*MessageItem); ok && row.Line.Key == key {
			row.Picking = true
		}
	}
	return items
}

// focusAfterRender focuses the first element matching sel inside within
// once the render under way is done (it may add that element).
func focusAfterRender(ctx app.Context, within app.Value, sel string) {
	ctx.Defer(func(app.Context) {
		if !within.Truthy() {
			return
		}
		if el := within.Call("querySelector", sel); el.Truthy() {
			el.Call("focus")
		}
	})
}

// hasClass reports whether the element el has class.
func hasClass(el app.Value, class string) bool {
	return el.Truthy() && el.Get("classList").Truthy() && el.Get("classList").Call("contains", class).Bool()
}
