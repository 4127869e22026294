package wire

import (
	"bytes"
	"encoding/json"
)

// Subprotocol is the WebSocket subprotocol name of this contract. The relay
// selects it when the client offers it.
const Subprotocol = "chat.v1"

// Frame types. The first three are sent by clients, the rest by the relay
// (TypeMeta travels both ways: a client sets its metadata, the relay announces it).
const (
	TypePub     = "pub"
	TypeMeta    = "meta"
	TypePing    = "ping"
	TypeWelcome = "welcome"
	TypeMsg     = "msg"
	TypeJoin    = "join"
	TypeLeave   = "leave"
	TypePong    = "pong"
	TypeError   = "error"
	// TypePresence extends chat.v1 compatibly: the coalesced presence of
	// a room past the relay's presence limit (clients that do not know it
	// ignore it, as they ignore every unknown type).
	TypePresence = "presence"
	// TypeSub and TypeUnsub extend chat.v1 compatibly (client to relay):
	// join or leave one more room on the same connection.
	TypeSub   = "sub"
	TypeUnsub = "unsub"
	// TypeSignal extends chat.v1 compatibly, both ways: an ephemeral
	// object relayed to a room's other members, never stored.
	TypeSignal = "signal"
)

// MaxSignalData bounds the data of a signal, in bytes of compact JSON:
// signals are typing indicators and read marks, not messages.
const MaxSignalData = 1024

// ClientFrame is any frame a client sends: {"type":"pub","id":ID,"data":ANY},
// {"type":"meta","data":ANY} or {"type":"ping"}, and with the extension
// "many rooms" sub, unsub and signal. Data is kept raw because the relay
// never interprets payloads.
type ClientFrame struct {
	Type string `json:"type"`
	// Room names the room of a sub, unsub, pub, meta or signal; absent on
	// a pub, meta or signal, the connection's first room (extension).
	Room string          `json:"room,omitempty"`
	ID   string          `json:"id,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
	// Since, Epoch and Token of a sub mean what since=, epoch= and token=
	// mean on connect.
	Since *uint64 `json:"since,omitempty"`
	Epoch string  `json:"epoch,omitempty"`
	Token string  `json:"token,omitempty"`
}

// Peer describes one member of a room. Name is set only when the member's
// token carried a name; Meta is whatever the member last sent in a meta frame
// (JSON null until then).
type Peer struct {
	Conn string          `json:"conn"`
	CID  string          `json:"cid"`
	Meta json.RawMessage `json:"meta"`
	Name string          `json:"name,omitempty"`
}

// Welcome is always the first frame the relay sends on a connection.
type Welcome struct {
	Type      string `json:"type"` // TypeWelcome
	Conn      string `json:"conn"`
	Room      string `json:"room"`
	Seq       uint64 `json:"seq"` // the room's last assigned seq, 0 when none yet
	Peers     []Peer `json:"peers"`
	PingMS    int64  `json:"ping_ms"`
	Recovered bool   `json:"recovered"`
	// MaxMessage extends chat.v1 compatibly: the largest frame, in bytes, the
	// relay accepts from a client, so clients can refuse an oversize message
	// before it costs them the connection (close 1009).
	MaxMessage int64 `json:"max_message,omitempty"`
	// Epoch extends chat.v1 compatibly: it names the room's seq space, new
	// each time the room is created (the relay restarted, or the room was
	// freed), so that a client can tell whether its last seq still names the
	// same message. Clients send it back as epoch= together with since=.
	Epoch string `json:"epoch,omitempty"`
	// Count extends chat.v1 compatibly: set only in a room past the relay's
	// presence limit, it is the number of members, the receiver included;
	// Peers then lists a bounded part of them (see Presence).
	Count int `json:"count,omitempty"`
}

// Presence is the coalesced presence of a room past the relay's presence
// limit, sent at most once per second instead of every join, leave and
// meta: the number of members now, and the changes to the bounded list of
// peers the receiver holds (welcome's peers, then each Presence applied in
// order). Peers are added or replaced by conn; Gone are conns to remove.
type Presence struct {
	Type  string   `json:"type"` // TypePresence
	Count int      `json:"count"`
	Peers []Peer   `json:"peers,omitempty"`
	Gone  []string `json:"gone,omitempty"`
}

// Msg is one published message as the relay delivers it to every member of
// the room, the publisher included (the echo is the publisher's receipt).
type Msg struct {
	Type string          `json:"type"` // TypeMsg
	Seq  uint64          `json:"seq"`
	TS   int64           `json:"ts"` // relay clock, Unix milliseconds
	Conn string          `json:"conn"`
	CID  string          `json:"cid"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

// Join announces a new member to the others.
type Join struct {
	Type string `json:"type"` // TypeJoin
	Peer Peer   `json:"peer"`
}

// Leave announces that a member's connection is gone.
type Leave struct {
	Type string `json:"type"` // TypeLeave
	Conn string `json:"conn"`
	CID  string `json:"cid"`
}

// MetaChange announces a member's new metadata.
type MetaChange struct {
	Type string          `json:"type"` // TypeMeta
	Conn string          `json:"conn"`
	Meta json.RawMessage `json:"meta"`
}

// Pong answers a client's ping.
type Pong struct {
	Type string `json:"type"` // TypePong
}

// Error reports a refused frame. ID is set when the refused frame was a pub
// that carried one.
type Error struct {
	Type string `json:"type"` // TypeError
	// Room is set on a connection that has sent sub, when the refused frame
	// concerned a room (extension "many rooms").
	Room string `json:"room,omitempty"`
	Code string `json:"code"`
	ID   string `json:"id,omitempty"`
	Text string `json:"text"`
}

// Signal is an ephemeral object from another member of the room: never
// stored, replayed or deduplicated, and without seq. Room is set on a
// connection that has sent sub.
type Signal struct {
	Type string          `json:"type"` // TypeSignal
	Room string          `json:"room,omitempty"`
	Conn string          `json:"conn"`
	CID  string          `json:"cid"`
	Data json.RawMessage `json:"data"`
}

// ServerFrame is the union of every frame the relay sends, for clients that
// decode a frame before knowing its type. Only the fields of Type are set.
type ServerFrame struct {
	Type       string          `json:"type"`
	Conn       string          `json:"conn,omitempty"`
	Room       string          `json:"room,omitempty"`
	Seq        uint64          `json:"seq,omitempty"`
	Peers      []Peer          `json:"peers,omitempty"`
	PingMS     int64           `json:"ping_ms,omitempty"`
	Recovered  bool            `json:"recovered,omitempty"`
	MaxMessage int64           `json:"max_message,omitempty"`
	Epoch      string          `json:"epoch,omitempty"`
	TS         int64           `json:"ts,omitempty"`
	CID        string          `json:"cid,omitempty"`
	ID         string          `json:"id,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Peer       *Peer           `json:"peer,omitempty"`
	Meta       json.RawMessage `json:"meta,omitempty"`
	Code       string          `json:"code,omitempty"`
	Text       string          `json:"text,omitempty"`
	Count      int             `json:"count,omitempty"`
	Gone       []string        `json:"gone,omitempty"`
}

// Split calls fn with each JSON object of a relay frame. The relay may batch
// several objects into one frame, separated by '\n'; empty lines are skipped.
// Split stops at the first error fn returns and returns it.
func Split(frame []byte, fn func(object []byte) error) error {
	for len(frame) > 0 {
		line := frame
		if i := bytes.IndexByte(frame, '\n'); i >= 0 {
			line, frame = frame[:i], frame[i+1:]
		} else {
			frame = nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := fn(line); err != nil {
			return err
		}
	}
	return nil
}
