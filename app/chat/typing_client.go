package chat

import (
	"encoding/json"
	"strings"

	"github.com/chatpwa/chat/relay/wire"
)

// Typing indicators travel as signals (PROTOCOL.md, "Extension: signals"),
// which only a relay with the many-rooms extension relays; one without it
// answers an unknown frame type with bad_frame and a strike. So after each
// welcome the client asks once, with a sub of the room it is already in: a
// relay with the extension answers already_subscribed naming that room and
// changes nothing; one without answers bad_frame (one strike of the ten it
// forgives in a burst), and the client sends no signal on that connection.

// signalProbe is the sub that asks the relay whether it relays signals.
func signalProbe(room string) []byte {
	return encodeJSON(wire.ClientFrame{Type: wire.TypeSub, Room: room})
}

// signalFrame is a signal carrying data: typingData or readData.
func signalFrame(data any) []byte {
	return encodeJSON(wire.ClientFrame{Type: wire.TypeSignal, Data: encodeJSON(data)})
}

// DraftChanged tells the room that I am typing, at most every
// TypingInterval while the draft changes, and that I stopped when it is
// emptied without sending. Call it on every edit of the draft; it does no
// network work itself and says nothing on a relay without signals.
func (c *Client) DraftChanged(draft string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.typingOut.draftChanged(strings.TrimSpace(draft))
	if d != nil && c.sess != nil && c.sess.signals {
		c.sess.typingDue = d
		c.sess.wakeWriter()
	}
}

// handleSignalLocked applies another member's typing or read signal (a read
// one in handleReadSignalLocked). Signals of other shapes are ignored, as
// are my own other tabs, and for typing members the list does not name (a
// big room's bounded list).
func (c *Client) handleSignalLocked(f *wire.ServerFrame) {
	var d struct {
		Typing *bool      `json:"typing"`
		Read   *readPoint `json:"read"`
	}
	if f.Conn == c.myConn || c.ownCID(f.CID) || json.Unmarshal(f.Data, &d) != nil {
		return
	}
	if d.Read != nil {
		c.handleReadSignalLocked(f, *d.Read)
	}
	if d.Typing == nil {
		return
	}
	m := c.members[f.Conn]
	if m == nil {
		return
	}
	c.typing.signal(f.CID, m.Nick, typingData{Typing: *d.Typing})
	// The line must go when they stop, with no frame to prompt a render.
	c.clock.AfterFunc(TypingTimeout, c.signal)
}

// handleProbeAnswerLocked reports whether f answers s's signal probe, and
// notes that the relay relays signals if it does.
func handleProbeAnswerLocked(s *session, f *wire.ServerFrame) bool {
	if f.Code != wire.CodeAlreadySubscribed || f.Room == "" || f.Room != s.room {
		return false
	}
	s.signals = true
	return true
}
