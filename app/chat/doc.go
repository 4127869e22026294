// Package chat is the client logic of the chat PWA: the connection state
// machine and reconnect schedule, the persisted outbox and history, dedup,
// presence, failover across several relays and the View the UI renders.
//
// Use New to create a Client for one room, run it with Run in its own
// goroutine, read View whenever Changed signals, and call Send, SetNick,
// RetryNow and SetVisible from the UI. Everything that touches time, the
// network or storage is injected (Clock, Transport, Store), so the whole
// state machine is tested natively; the browser-only pieces (the fetch-based
// handshake diagnosis and the localStorage store) live in *_js.go files.
//
// A page keeps a Client per live room (rooms.go) and gives them all one
// SharedTransport, which carries every room of a relay on one connection
// with the many-rooms extension of chat.v1; each Client still sees a
// connection of its own.
package chat
