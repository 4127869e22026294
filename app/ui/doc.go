// Package ui holds the go-app components of the chat PWA, one per file.
//
// Components only render a chat.View and turn a person's gestures into calls
// on the chat.Client; all chat logic (connection, outbox, history, presence)
// lives in package chat. Component state changes only on the UI goroutine,
// inside ctx.Dispatch or an event handler.
//
// Elements are built with app.Elem("tag") and Attr rather than go-app's
// typed builders (app.Span, app.Button, …; app.Input stays typed, being a
// void element): each typed element links its own type, its method table and
// a copy of every node method, about 600 bytes of brotli'd app.wasm per tag,
// while app.Elem is one type for all of them. go-app updates an Elem in place
// only when the tag is the same, as it does for typed elements of one type,
// and sets an attribute the same way through either (BENCHMARKS.md, "app.wasm
// size").
package ui
