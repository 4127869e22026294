//go:build js

package ui

import (
	"context"
	"syscall/js"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// storeOpenTimeout bounds the wait for IndexedDB at start. Past it (the
// database blocked or broken) the app runs on localStorage alone, as
// installs before IndexedDB did; the next start moves what it wrote there.
const storeOpenTimeout = 10 * time.Second

// newStore opens what survives reloads: history and outbox in IndexedDB,
// where they have room and a quota the budget can read, moved there from
// localStorage on the first start after an upgrade; prefs, identity and
// keys in localStorage, small and read first. It blocks on IndexedDB: call
// it from ctx.Async, never on the UI goroutine or JavaScript's event loop.
func newStore() chat.Store {
	local := chat.NewBrowserStore()
	ctx, cancel := context.WithTimeout(context.Background(), storeOpenTimeout)
	defer cancel()
	durable, err := chat.OpenIndexedDBStore(ctx, chat.IndexedDBOptions{Legacy: local})
	if err != nil {
		app.Logf("history and outbox stay in localStorage: %v", err)
		return local
	}
	return chat.NewSplitStore(local, durable)
}

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
