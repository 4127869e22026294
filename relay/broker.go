package relay

import "encoding/json"

// broker is how a room's four operations reach the room's members, wherever
// they are connected. The memory broker (broker_memory.go) keeps every room
// in this process: seq, recovery window, dedup and presence are local. The
// NATS broker (broker_nats.go) shares rooms among every relay connected to
// the same NATS JetStream: seq, window and dedup live in one stream per
// room, presence is replicated between relays.
//
// Every method keeps the chat.v1 guarantees for the members it serves:
// a member gets welcome and replay before anything live, every msg of a
// room exactly once and in seq order, and its own frames only through its
// queue (member.offer), never blocking on a slow peer.
type broker interface {
	// join adds m to the room req names, creating the room when needed,
	// fills m.initial with the welcome and the replay, and returns the room.
	// When the room cannot be joined right now, join kills m with a close
	// code telling the client to come back, and still returns a room that
	// leave accepts.
	join(m *member, req joinRequest) *room
	// publish publishes a pub of m to r, or refuses it with an error frame
	// to m (code unavailable) when the broker cannot publish right now.
	publish(m *member, r *room, id string, data json.RawMessage)
	// setMeta records m's presence metadata and announces it to the room.
	setMeta(m *member, r *room, meta json.RawMessage)
	// leave takes m out of r, if still there, and announces it.
	leave(m *member, r *room)

	// start begins the broker's background work; called once, by Server.Start.
	start()
	// ready reports whether the broker can publish now (GET /readyz).
	ready() bool
	// close stops the broker's background work; nothing is published after.
	close()
}
