//go:build js

package ui

import (
	"syscall/js"

	"github.com/chatpwa/chat/app/chat"
)

// newStore returns the browser's localStorage, where prefs, history and the
// outbox survive reloads.
func newStore() chat.Store { return chat.NewBrowserStore() }

// outboxLock is the Web Lock that lets one tab at a time send room's outbox
// (see app/chat/lock.go).
func outboxLock(room string) chat.OutboxLock { return chat.WebLock("chat.outbox." + room) }

// requestPersistentStorage asks the browser not to evict this origin's
// storage under pressure, so that queued messages and history are not
// dropped silently. The answer (often granted only to installed apps) needs
// no handling: a refusal only keeps the default, best-effort storage.
func requestPersistentStorage() {
	storage := js.Global().Get("navigator").Get("storage")
	if storage.Truthy() && storage.Get("persist").Truthy() {
		storage.Call("persist")
	}
}
