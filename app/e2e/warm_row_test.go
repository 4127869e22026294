//go:build !js

package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// warmRowProbeJS records, from the document's start, each time the warm
// row's container (#warm-row, app/ui/warm-row.go) comes into the page and
// leaves it, what it looked like just before it left (go-app removes a
// node with removeChild; the row may come and go within one task, before
// a MutationObserver hears of it), and every message row ever added to
// the message list.
const warmRowProbeJS = `(() => {
	const w = window.__warm = {added: 0, removed: 0, seen: [], listRows: 0};
	const removeChild = Node.prototype.removeChild;
	Node.prototype.removeChild = function (n) {
		if (n.id === 'warm-row') {
			const row = n.querySelector('li.msg');
			const rect = row ? row.getBoundingClientRect() : null;
			w.seen.push({
				rows: n.querySelectorAll('li.msg').length,
				live: !!n.closest('[aria-live]'),
				inList: !!n.closest('#messages, #scroller'),
				ariaHidden: n.getAttribute('aria-hidden'),
				visibility: getComputedStyle(n).visibility,
				height: rect ? rect.height : 0,
				right: rect ? rect.right : 0,
			});
		}
		return removeChild.call(this, n);
	};
	new MutationObserver((records) => {
		for (const r of records) {
			for (const n of r.addedNodes) {
				if (n.nodeType !== 1) continue;
				if (n.id === 'warm-row') w.added++;
				if (r.target.closest && r.target.closest('#messages') && (n.matches('li.msg') || n.querySelector('li.msg'))) w.listRows++;
			}
			for (const n of r.removedNodes) if (n.id === 'warm-row') w.removed++;
		}
	}).observe(document, {subtree: true, childList: true});
})()`

// The app mounts one made-up message row when it is first idle after the
// first room is online, to have the page's first real rows cost less, and
// removes it: it must be hidden from sight and from screen readers while
// there, never in the message list, and gone for good.
func TestWarmRow_MountedOnceHiddenOffTheListAndRemoved(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	p := newPerson(t, "Warm")
	p.do("install the warm row probe", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: warmRowProbeJS})
		return err
	}))
	p.open(roomURL(relay.URL(), "e2e-warm-row", ""))
	p.waitOnline()
	p.poll("the warm row to come and go", waitTimeout, `() => window.__warm.removed > 0`)

	var w struct {
		Added, Removed, ListRows int
		Seen                     []struct {
			Rows         int
			Live, InList bool
			AriaHidden   string
			Visibility   string
			Height       float64
			Right        float64
		}
	}
	p.eval(`window.__warm`, &w)
	if w.Added != 1 || w.Removed != 1 || len(w.Seen) != 1 {
		t.Fatalf("the warm row came %d and left %d times (%d seen leaving); want once each", w.Added, w.Removed, len(w.Seen))
	}
	s := w.Seen[0]
	if s.Rows != 1 || s.Live || s.InList || s.AriaHidden != "true" || s.Visibility != "hidden" || s.Right > 0 {
		t.Errorf("the warm row was %+v; want one row, out of the list and any live region, aria-hidden, invisible, off screen", s)
	}
	if s.Height <= 0 {
		t.Errorf("the warm row had no height (%v): not laid out", s.Height)
	}
	var left int
	p.eval(`document.querySelectorAll('#warm-row, li.msg').length + window.__warm.listRows`, &left)
	if left != 0 || w.ListRows != 0 {
		t.Errorf("after the warm row, the page holds %d message rows (%d added to the list); want none in an empty room", left, w.ListRows)
	}
}
