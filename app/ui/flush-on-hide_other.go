//go:build !js

package ui

import "github.com/chatpwa/chat/app/chat"

// flushOnHide outside a browser (server-side rendering, native tests) has no
// page to watch: Run's exit persists the history there.
func flushOnHide(*chat.Client) (release func()) { return func() {} }
