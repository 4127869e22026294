package relay

import (
	"encoding/json"

	"github.com/chatpwa/chat/relay/wire"
)

// presence tells other relays who is in each room here, and tells the hub
// who is in each room elsewhere. Beneath the hub like the log: the memory
// relay has nobody elsewhere (presence_memory.go); relays sharing rooms
// over NATS replicate their members (presence_nats.go).
//
// The hub calls join, meta and leave with the room's lock held, so that
// every relay learns of one room's changes in the order they happened
// here; an implementation must not block (publishing is buffered) and
// takes only locks of its own.
type presence interface {
	// join announces a member that joined room here.
	join(room string, p peerAt)
	// meta announces a member's new metadata.
	meta(room, conn string, meta json.RawMessage)
	// leave announces that a member left room here.
	leave(room, conn string)

	// start begins the background work (heartbeats), reporting remote
	// members to sink; called once, by Server.Start.
	start(sink presenceSink)
	// close says goodbye to the other relays and stops.
	close()
}

// peerAt is a member with the time it joined (Unix ns, its relay's clock):
// welcome lists the members of every relay in that order.
type peerAt struct {
	wire.Peer
	At int64 `json:"at"`
}

// presenceSink is how presence reports the members of other relays to the
// hub. Each method announces what changed to the room's members here and
// reports whether relay still has members in room.
type presenceSink interface {
	// upsertRemote adds a member of relay to room, or updates its metadata.
	upsertRemote(room, relay string, p peerAt) bool
	// removeRemote takes a member of relay out of room.
	removeRemote(room, relay, conn string) bool
	// setRemoteMeta records a member of relay's new metadata.
	setRemoteMeta(room, relay, conn string, meta json.RawMessage) bool
	// replaceRemote makes peers the members of relay in room (nil: none).
	replaceRemote(room, relay string, peers []peerAt) bool
}
