package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// listen adds a DOM event listener that go-app does not manage (window
// "online", document "visibilitychange") and returns the function that
// removes it again. fn runs on the JS event loop: it must only Dispatch.
func listen(target app.Value, event string, fn func()) (remove func()) {
	handler := app.FuncOf(func(this app.Value, args []app.Value) any {
		fn()
		return nil
	})
	target.Call("addEventListener", event, handler)
	return func() {
		target.Call("removeEventListener", event, handler)
		handler.Release()
	}
}

// pageVisible reports whether the tab is in the foreground.
func pageVisible() bool {
	return app.Window().Get("document").Get("visibilityState").String() != "hidden"
}

// replaceFragment rewrites the address bar without a navigation or a history
// entry: used to drop an invite token from the URL once it is stored, and to
// show the room actually opened.
func replaceFragment(fragment string) {
	location := app.Window().Get("location")
	target := location.Get("pathname").String() + location.Get("search").String() + fragment
	app.Window().Get("history").Call("replaceState", app.Null(), "", target)
}
