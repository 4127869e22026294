package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// listenStorage calls fn with the key of every change another tab or window
// of this origin makes to localStorage (prefs and keys; history and outbox
// are in IndexedDB, whose store says so through chat.Watcher) ("" for clear()): the browser fires
// the storage event only in the other documents, never in the one that wrote.
// fn runs on the JS event loop: it must only Dispatch. It returns the
// function that removes the listener.
func listenStorage(fn func(key string)) (remove func()) {
	handler := app.FuncOf(func(this app.Value, args []app.Value) any {
		key := ""
		if len(args) > 0 {
			if k := args[0].Get("key"); k.Type() == app.TypeString {
				key = k.String()
			}
		}
		fn(key)
		return nil
	})
	window := app.Window()
	window.Call("addEventListener", "storage", handler)
	return func() {
		window.Call("removeEventListener", "storage", handler)
		handler.Release()
	}
}
