// Package relay is the chat relay: use it to accept WebSocket connections
// into rooms and broadcast what one member publishes to every member of the
// room, following the chat.v1 contract (see PROTOCOL.md and package wire).
//
// The relay keeps no accounts and no database and never interprets message
// payloads. It keeps a bounded recovery window of recent messages per room in
// memory so that a client that reconnects with since=SEQ misses nothing and
// its resent publications are delivered exactly once.
//
// Build a [Server] from a [Config] with [New]; the Server is an
// [net/http.Handler] serving /ws, /healthz, /metrics and, when Config.Web is
// set, the built web app at /. Either mount it in your own HTTP server and call
// [Server.Shutdown] when done, or let [Server.Run] listen and serve until its
// context is canceled.
package relay
