//go:build js

package ui

import "github.com/chatpwa/chat/app/chat"

// newStore returns the browser's localStorage, where prefs, history and the
// outbox survive reloads.
func newStore() chat.Store { return chat.NewBrowserStore() }
