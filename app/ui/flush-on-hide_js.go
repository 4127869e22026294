//go:build js

package ui

import (
	"syscall/js"

	"github.com/chatpwa/chat/app/chat"
)

// flushOnHide writes the client's pending history to the store when the
// page is hidden or unloaded (reload, tab close, app switch on mobile,
// where a hidden page may be killed without any further event). The
// listeners are plain js.FuncOf callbacks, which run synchronously inside
// the browser's event dispatch: go-app's event handling goes through its
// asynchronous dispatch loop and would run after the page is gone. It
// returns the function that removes the listeners and releases them.
func flushOnHide(client *chat.Client) (release func()) {
	window := js.Global()
	document := window.Get("document")
	onPageHide := js.FuncOf(func(js.Value, []js.Value) any {
		_ = client.Flush() // nothing to report to: the page is going away
		return nil
	})
	onVisibility := js.FuncOf(func(js.Value, []js.Value) any {
		if document.Get("visibilityState").String() == "hidden" {
			_ = client.Flush()
		}
		return nil
	})
	window.Call("addEventListener", "pagehide", onPageHide)
	document.Call("addEventListener", "visibilitychange", onVisibility)
	return func() {
		window.Call("removeEventListener", "pagehide", onPageHide)
		document.Call("removeEventListener", "visibilitychange", onVisibility)
		onPageHide.Release()
		onVisibility.Release()
	}
}
