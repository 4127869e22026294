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
package chat
