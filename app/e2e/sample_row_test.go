//go:build !js

package e2e

import (
	"testing"
)

// sampleRowJS describes the sample row of a room without messages
// (app/ui/message-list.go, sampleRow) as the page holds it: where it is,
// whether anyone can see, hear or reach it, and whether it was laid out.
const sampleRowJS = `(() => {
	const rows = document.querySelectorAll('.sample-row li.msg');
	const row = rows[0];
	if (!row) return {rows: 0};
	row.focus();
	return {
		rows: rows.length,
		inList: !!row.closest('#messages'),
		live: !!row.closest('[aria-live]'),
		ariaHidden: row.closest('[aria-hidden="true"]') !== null,
		visibility: getComputedStyle(row).visibility,
		focused: document.activeElement === row || row.contains(document.activeElement),
		height: row.getBoundingClientRect().height,
		listRows: document.querySelectorAll('#messages li.msg').length,
	};
})()`

// A new room, once online (its first line: "You joined"), holds one made-up
// message row so that its first real rows are not the page's first (BENCHMARKS.md, "The flood's
// first render with rows"). It must be laid out yet hidden from sight,
// from screen readers and from the keyboard, outside the list and any live
// region, and gone when the first message comes.
func TestSampleRow_HiddenOutsideTheListUntilTheFirstMessage(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	p := newPerson(t, "Sample")
	p.open(roomURL(relay.URL(), "e2e-sample-row", ""))
	p.waitOnline()
	p.poll("the new room's sample row", waitTimeout, `() => document.querySelectorAll('.sample-row li.msg').length > 0`)

	var s struct {
		Rows, ListRows                    int
		InList, Live, AriaHidden, Focused bool
		Visibility                        string
		Height                            float64
	}
	p.eval(sampleRowJS, &s)
	if s.Rows != 1 || s.InList || s.Live || !s.AriaHidden || s.Visibility != "hidden" || s.Focused || s.ListRows != 0 {
		t.Errorf("the sample row is %+v; want one row, outside the list and any live region, aria-hidden, invisible, not focusable, and no message row in the list", s)
	}
	if s.Height <= 0 {
		t.Errorf("the sample row has no height (%v): not laid out", s.Height)
	}

	p.sendWithEnter("first")
	p.waitMessages(waitTimeout, []string{"first"})
	var left int
	p.eval(`document.querySelectorAll('.sample-row, li.msg').length`, &left)
	if left != 1 {
		t.Errorf("with one message the page holds %d sample rows and message rows; want the message only", left)
	}
}
