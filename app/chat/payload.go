package chat

import (
	"encoding/json"
	"strings"

	"github.com/chatpwa/chat/relay/wire"
)

// payload is the one seam between what people say and the data the relay
// carries: every pub and meta the client writes is built here, and every
// msg, meta and peer it receives is opened here. Above it the client and
// the UI handle plaintext only; below it a plain room carries JSON and a
// private room carries envelopes (payload_private.go).
type payload interface {
	// pubFrame is the pub frame that carries body under id.
	pubFrame(id string, body messageData) []byte
	// pubSize is len(pubFrame(id, body)) without sealing anything.
	pubSize(id string, body messageData) int
	// maxText is the largest text (bytes, without characters JSON must
	// escape) whose pub, with nick and a 32-byte id, fits maxMessage.
	maxText(maxMessage int, nick string) int
	// metaFrame is the meta frame that announces nick.
	metaFrame(nick string) []byte
	// openMessage reads a msg's data sent by cid under id.
	openMessage(cid, id string, data json.RawMessage) opened
	// openMeta reads a meta's (or a peer's) data announced by cid.
	openMeta(cid string, data json.RawMessage) opened
	// openFrames opens the msgs and the peers' metas of one relay frame's
	// objects at once, before the client takes its lock.
	openFrames(frames []wire.ServerFrame) []openedFrame
}

// openedFrame is what openFrames opened of one object: a msg's data, or
// the metas of a welcome's peers (in order) or of a join's peer.
type openedFrame struct {
	msg   opened
	peers []opened
}

// announced reports whether a meta or a peer's meta carries anything.
func announced(meta json.RawMessage) bool { return len(meta) != 0 && string(meta) != "null" }

// opened is a received payload as the client uses it.
type opened struct {
	_ noCompare

	body messageData // for a meta only Nick is set
	// signer is the verified signer's public key; "" in a plain room.
	signer string
	// failure is "" when the payload opened, else failUndecryptable,
	// failUnverified, or flagVerifying while unverified is set.
	failure string
	// unverified is a msg that decrypted but whose signature is checked
	// later (private_verify.go): body and signer are then empty, and what
	// it claims waits here for its verdict.
	unverified *unverifiedMessage
}

// Why a received payload is not shown. They are persisted in history
// (storedMessage.Flag) so that a reload shows and counts them again.
const (
	// failUndecryptable: wrong key, a truncated or tampered ciphertext, an
	// unknown envelope version, or a ciphertext replayed under another id,
	// cid or room.
	failUndecryptable = "undecryptable"
	// failUnverified: it decrypted, but its signature does not verify.
	failUnverified = "unverified"
	// flagKeyChanged marks a message whose signer differs from the key its
	// nickname signed with before: it is shown, after a warning line.
	flagKeyChanged = "key-changed"
	// flagVerifying marks a message whose signature is not checked yet: it
	// is shown as one muted line, never as its text, and never persisted
	// (private_verify.go).
	flagVerifying = "verifying"
)

// plainPayload is a plain room's: data is the JSON the contract shows.
type plainPayload struct{}

var _ payload = plainPayload{}

func (plainPayload) pubFrame(id string, body messageData) []byte {
	return encodeJSON(wire.ClientFrame{Type: wire.TypePub, ID: id, Data: encodeJSON(body)})
}

func (p plainPayload) pubSize(id string, body messageData) int { return len(p.pubFrame(id, body)) }

func (p plainPayload) maxText(maxMessage int, nick string) int {
	overhead := p.pubSize(strings.Repeat("x", 32), messageData{Nick: nick})
	return max(maxMessage-overhead, 0)
}

func (plainPayload) metaFrame(nick string) []byte {
	return encodeJSON(wire.ClientFrame{Type: wire.TypeMeta, Data: encodeJSON(metaData{Nick: nick})})
}

func (plainPayload) openMessage(cid, id string, data json.RawMessage) opened {
	return openPlainMessage(data, &nickCache{})
}

// openPlainMessage is openMessage with the nicks cleaned by nicks.
func openPlainMessage(data json.RawMessage, nicks *nickCache) opened {
	if nick, text, ok := plainMessageData(data, nicks); ok {
		return opened{body: messageData{Nick: nick, Text: text}}
	}
	nick, text := decodeMessageData(data)
	return opened{body: messageData{Nick: nick, Text: text, Ref: decodeRef(data)}}
}

func (plainPayload) openMeta(cid string, data json.RawMessage) opened {
	return opened{body: messageData{Nick: metaNick(data)}}
}

func (p plainPayload) openFrames(frames []wire.ServerFrame) []openedFrame {
	out := make([]openedFrame, len(frames))
	var nicks nickCache
	for i := range frames {
		f := &frames[i]
		switch f.Type {
		case wire.TypeMsg:
			out[i].msg = openPlainMessage(f.Data, &nicks)
		case wire.TypeWelcome, wire.TypePresence:
			for _, peer := range f.Peers {
				out[i].peers = append(out[i].peers, p.openMeta(peer.CID, peer.Meta))
			}
		case wire.TypeJoin:
			if f.Peer != nil {
				out[i].peers = []opened{p.openMeta(f.Peer.CID, f.Peer.Meta)}
			}
		}
	}
	return out
}
