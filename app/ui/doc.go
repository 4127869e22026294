// Package ui holds the go-app components of the chat PWA, one per file.
//
// Components only render a chat.View and turn a person's gestures into calls
// on the chat.Client; all chat logic (connection, outbox, history, presence)
// lives in package chat. Component state changes only on the UI goroutine,
// inside ctx.Dispatch or an event handler.
package ui
