package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// edgeWatch tells when an element comes within some distance above the
// visible part of its scroller: the message list's top, to show older lines
// as the person scrolls up and while the lines shown do not fill the
// screen. It is an IntersectionObserver: the browser works it out from the
// layout it makes for each frame anyway, where reading scrollTop from Go
// would make it lay the page out inside Go's render (BENCHMARKS.md).
type edgeWatch struct {
	observer, target app.Value
	callback         app.Func
}

// watchEdge calls near (on the JS event loop: it must only Dispatch) each
// time the element of selector inside scroller comes within margin CSS
// pixels above its visible part, and at the start when it is already
// there. It returns nil where the browser has no IntersectionObserver (all
// have had it since 2019); the methods of a nil watch do nothing.
func watchEdge(scroller app.Value, selector string, margin int, near func()) *edgeWatch {
	target := scroller.Call("querySelector", selector)
	observerType := app.Window().Get("IntersectionObserver")
	if !target.Truthy() || !observerType.Truthy() {
		return nil
	}
	w := &edgeWatch{target: target}
	w.callback = app.FuncOf(func(this app.Value, args []app.Value) any {
		// Only the latest state of the one element watched matters.
		if entries := args[0]; entries.Length() > 0 && entries.Index(entries.Length()-1).Get("isIntersecting").Bool() {
			near()
		}
		return nil
	})
	options := app.Window().Get("Object").New()
	options.Set("root", scroller)
	options.Set("rootMargin", strconv.Itoa(margin)+"px 0px 0px 0px")
	w.observer = observerType.New(w.callback, options)
	w.observer.Call("observe", target)
	return w
}

// recheck reports the element's state once more, near or not: the observer
// itself reports changes only, and an element that stayed near after the
// lines above it changed must be reported again.
func (w *edgeWatch) recheck() {
	if w == nil {
		return
	}
	w.observer.Call("unobserve", w.target)
	w.observer.Call("observe", w.target)
}

// stop ends the watch.
func (w *edgeWatch) stop() {
	if w == nil {
		return
	}
	w.observer.Call("disconnect")
	w.callback.Release()
}
