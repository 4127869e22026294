package relay

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/chatpwa/chat/relay/wire"
)

// Everything read from NATS is checked before it reaches a browser: any
// client of the NATS server may publish on a room's subject or on the
// presence subject, and a relay must not pass on what it would never
// have produced itself. What fails is dropped and counted
// (relay_broker_invalid_total).

// storedMsg is a msg object as a relay builds it from a stored tail.
type storedMsg struct {
	Type string          `json:"type"`
	Seq  uint64          `json:"seq"`
	TS   int64           `json:"ts"`
	Conn string          `json:"conn"`
	CID  string          `json:"cid"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

// validMsg reports whether frame, the msg object built from a stored
// tail, is one a relay publishes: UTF-8 JSON on one line, a msg with a
// valid conn, cid and id, some data and nothing else.
func validMsg(frame []byte) bool {
	if !utf8.Valid(frame) || bytes.ContainsAny(frame, "\n\r") || !json.Valid(frame) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(frame))
	dec.DisallowUnknownFields()
	var m storedMsg
	if err := dec.Decode(&m); err != nil {
		return false
	}
	return m.Type == wire.TypeMsg && wire.ValidCID(m.Conn) && wire.ValidCID(m.CID) &&
		wire.ValidID(m.ID) && len(m.Data) > 0
}

// validPresence reports whether ev is an event a relay publishes: a known
// kind, and peers with valid conn and cid.
func validPresence(ev *presenceEvent) bool {
	validPeer := func(p *peerAt) bool {
		return wire.ValidCID(p.Conn) && wire.ValidCID(p.CID) && (p.Meta == nil || json.Valid(p.Meta))
	}
	switch ev.Kind {
	case presenceAlive, presenceSync, presenceSynced, presenceBye:
		return true
	case presenceJoin:
		return ev.Peer != nil && validPeer(ev.Peer) && wire.ValidRoom(ev.Room)
	case presenceLeave, presenceMeta:
		return wire.ValidRoom(ev.Room) && wire.ValidCID(ev.Conn)
	case presenceState:
		for i := range ev.Peers {
			if !validPeer(&ev.Peers[i]) {
				return false
			}
		}
		return wire.ValidRoom(ev.Room)
	}
	return false
}
