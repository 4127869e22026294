//go:build !js

package ui

import "github.com/chatpwa/chat/app/chat"

// newStore outside a browser (server-side rendering, native tests) keeps
// everything in memory; OnMount, its only caller, never runs there.
func newStore() chat.Store { return chat.NewMemoryStore() }

// outboxLock outside a browser: one client per store, nothing to share.
func outboxLock(string) chat.OutboxLock { return nil }

// requestPersistentStorage outside a browser has nothing to ask.
func requestPersistentStorage() {}
