package relay

import (
	"encoding/json"
	"slices"

	"github.com/chatpwa/chat/relay/wire"
)

// The members of a room on other relays, as presence reports them
// (presenceSink): each change is announced to the members here under the
// room's lock, like a local join, leave or meta (in a crowd, coalesced:
// room_crowd.go).

// hasRemoteLocked reports whether relay has members in r.
func (r *room) hasRemoteLocked(relay string) bool {
	for _, rp := range r.elsewhere {
		if rp.relay == relay {
			return true
		}
	}
	return false
}

// upsertRemoteLocked adds a member of another relay and announces it, or
// announces its changed metadata when it is known already.
func (r *room) upsertRemoteLocked(relay string, p peerAt) int {
	if p.Meta == nil {
		p.Meta = json.RawMessage("null")
	}
	for i := range r.elsewhere {
		rp := &r.elsewhere[i]
		if rp.peer.Conn != p.Conn {
			continue
		}
		if string(rp.peer.Meta) == string(p.Meta) {
			return 0
		}
		rp.peer.Meta = p.Meta
		return r.announceLocked(mustEncode(wire.MetaChange{Type: wire.TypeMeta, Conn: p.Conn, Meta: p.Meta}), nil)
	}
	r.crowdedLocked()
	r.elsewhere = append(r.elsewhere, remotePeer{
		relay:      relay,
		peer:       p,
		leaveFrame: mustEncode(wire.Leave{Type: wire.TypeLeave, Conn: p.Conn, CID: p.CID}),
	})
	return r.announceLocked(mustEncode(wire.Join{Type: wire.TypeJoin, Peer: p.Peer}), nil)
}

// removeRemoteLocked removes a member of another relay and announces it.
func (r *room) removeRemoteLocked(relay, conn string) int {
	for i, rp := range r.elsewhere {
		if rp.relay == relay && rp.peer.Conn == conn {
			r.elsewhere = slices.Delete(r.elsewhere, i, i+1)
			return r.announceLocked(rp.leaveFrame, nil)
		}
	}
	return 0
}

// setRemoteMetaLocked records and announces a remote member's metadata.
func (r *room) setRemoteMetaLocked(relay, conn string, meta json.RawMessage) int {
	for i := range r.elsewhere {
		if rp := &r.elsewhere[i]; rp.relay == relay && rp.peer.Conn == conn {
			if meta == nil {
				meta = json.RawMessage("null")
			}
			rp.peer.Meta = meta
			return r.announceLocked(mustEncode(wire.MetaChange{Type: wire.TypeMeta, Conn: conn, Meta: meta}), nil)
		}
	}
	return 0
}

// replaceRemoteLocked makes peers the members of relay in r, announcing
// each difference.
func (r *room) replaceRemoteLocked(relay string, peers []peerAt) (delivered int) {
	keep := make(map[string]bool, len(peers))
	for _, p := range peers {
		keep[p.Conn] = true
	}
	for i := 0; i < len(r.elsewhere); {
		rp := r.elsewhere[i]
		if rp.relay == relay && !keep[rp.peer.Conn] {
			r.elsewhere = slices.Delete(r.elsewhere, i, i+1)
			delivered += r.announceLocked(rp.leaveFrame, nil)
			continue
		}
		i++
	}
	for _, p := range peers {
		delivered += r.upsertRemoteLocked(relay, p)
	}
	return delivered
}
