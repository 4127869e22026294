package chat

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/chatpwa/chat/relay/wire"
)

// signedPlaintext is what an envelope of a private room encrypts (before
// padding): the body, the signer's public key, and the signature over the
// binding and the body's exact bytes. body is kept raw so that the signature
// checks the bytes that were signed, and so that later features can add
// fields to messageData without changing the envelope.
type signedPlaintext struct {
	Body json.RawMessage `json:"body"`
	PK   string          `json:"pk"`
	Sig  string          `json:"sig"`
}

// privatePayload seals what this client writes to a private room and opens
// what it receives.
type privatePayload struct {
	room   string // the relay room id, bound into every envelope
	cid    string // mine: the relay stamps it on my msgs and metas
	sealer *sealer
	key    SigningKey
}

var _ payload = (*privatePayload)(nil)

func newPrivatePayload(p PrivateRoom, cid string, key SigningKey) *privatePayload {
	return &privatePayload{room: p.RoomID(), cid: cid, sealer: newSealer(p), key: key}
}

// Sizes of the parts of a sealed pub that do not depend on the body.
var (
	// signedOverhead: signedPlaintext around a body, with a 43-character
	// key and an 86-character signature.
	signedOverhead = len(encodeJSON(signedPlaintext{
		Body: json.RawMessage("0"), PK: strings.Repeat("k", 43), Sig: strings.Repeat("s", 86),
	})) - 1
)

func (p *privatePayload) pubFrame(id string, body messageData) []byte {
	return p.frame(wire.TypePub, binding{kind: kindMessage, room: p.room, cid: p.cid, id: id}, encodeJSON(body))
}

func (p *privatePayload) metaFrame(nick string) []byte {
	return p.frame(wire.TypeMeta, binding{kind: kindMeta, room: p.room, cid: p.cid}, encodeJSON(metaData{Nick: nick}))
}

// frame signs body, seals it and wraps the envelope in a client frame.
func (p *privatePayload) frame(frameType string, b binding, body []byte) []byte {
	envelope, err := p.seal(b, body)
	if err != nil {
		// Bindings are our room id, our validated cid and our own ids, all
		// far below 255 bytes: this cannot happen.
		panic("chat: seal: " + err.Error())
	}
	return encodeJSON(wire.ClientFrame{Type: frameType, ID: b.id, Data: encodeJSON(base64.RawURLEncoding.EncodeToString(envelope))})
}

func (p *privatePayload) seal(b binding, body []byte) ([]byte, error) {
	sig, err := p.key.sign(b, body)
	if err != nil {
		return nil, err
	}
	return p.sealer.seal(b, encodeJSON(signedPlaintext{
		Body: body,
		PK:   p.key.PublicKey(),
		Sig:  base64.RawURLEncoding.EncodeToString(sig),
	}))
}

func (p *privatePayload) pubSize(id string, body messageData) int {
	return sealedPubSize(len(id), len(encodeJSON(body)))
}

// sealedPubSize is the size of a sealed pub frame: it depends only on the
// id's and the body's lengths, the padding bucket hiding the rest.
func sealedPubSize(idLen, bodyLen int) int {
	envelope := envelopeOverhead + paddedLen(signedOverhead+bodyLen)
	data := 2 + base64.RawURLEncoding.EncodedLen(envelope) // a JSON string
	return len(`{"type":"pub","id":"","data":}`) + idLen + data
}

func (p *privatePayload) maxText(maxMessage int, nick string) int {
	const idLen = 32
	bodyOverhead := len(encodeJSON(messageData{Nick: nick}))
	// Invert sealedPubSize: the largest envelope whose string fits, the
	// largest whole bucket in it, what the signature and the body's JSON
	// leave of the bucket.
	data := maxMessage - len(`{"type":"pub","id":"","data":}`) - idLen - 2
	envelope := data * 6 / 8
	buckets := (envelope - envelopeOverhead) / paddingBucket
	return max(buckets*paddingBucket-signedOverhead-bodyOverhead, 0)
}

func (p *privatePayload) openMessage(cid, id string, data json.RawMessage) opened {
	return p.open(p.messageBinding(cid, id), data)
}

func (p *privatePayload) openMeta(cid string, data json.RawMessage) opened {
	if !announced(data) {
		return opened{} // no meta announced yet: nothing to open
	}
	return p.open(p.metaBinding(cid), data)
}

func (p *privatePayload) messageBinding(cid, id string) binding {
	return binding{kind: kindMessage, room: p.room, cid: cid, id: id}
}

func (p *privatePayload) metaBinding(cid string) binding {
	return binding{kind: kindMeta, room: p.room, cid: cid}
}

// openFrames opens every envelope of one relay frame (a history replay
// carries up to 500). Each is decrypted here, but only the newest messages,
// those that fill the first screen (verifyFirst lines), have their
// signatures verified here; the older ones come back unverified and are
// verified after the room is shown (private_verify.go). Metas are few and
// always verified here.
func (p *privatePayload) openFrames(frames []wire.ServerFrame) []openedFrame {
	out := make([]openedFrame, len(frames))
	lines := 0
	for i := len(frames) - 1; i >= 0; i-- { // newest first
		f := &frames[i]
		switch f.Type {
		case wire.TypeMsg:
			u := p.unseal(p.messageBinding(f.CID, f.ID), f.Data)
			if lines >= verifyFirst {
				if later, ok := u.verifyLater(); ok {
					out[i].msg = later
					continue
				}
			}
			if u.failure == "" {
				u.verified = u.check.verify()
			}
			out[i].msg = u.finish(false)
			if out[i].msg.isLine() {
				lines++
			}
		case wire.TypeWelcome, wire.TypeJoin, wire.TypePresence:
			peers := f.Peers
			if f.Type == wire.TypeJoin && f.Peer != nil {
				peers = []wire.Peer{*f.Peer}
			}
			out[i].peers = make([]opened, len(peers))
			for j, peer := range peers {
				out[i].peers[j] = p.openMeta(peer.CID, peer.Meta)
			}
		}
	}
	return out
}

// isLine reports whether o, once stored, is shown as a line of its own (a
// failure line, a message or a reply; not an edit, delete or reaction).
func (o opened) isLine() bool {
	return o.failure != "" || o.body.Ref == nil || o.body.Ref.Kind == refReply
}

// open decodes, decrypts and verifies one envelope. Whatever goes wrong,
// the answer is a failure, never an error or garbage: the caller shows it
// as one muted line and carries on with the next frame.
func (p *privatePayload) open(b binding, data json.RawMessage) opened {
	u := p.unseal(b, data)
	if u.failure == "" {
		u.verified = u.check.verify()
	}
	return u.finish(b.kind == kindMeta)
}

// unsealed is an envelope decrypted, its signature not yet verified.
type unsealed struct {
	body     json.RawMessage // the signed body's bytes
	signer   string          // the public key it claims
	check    signatureCheck
	verified bool
	failure  string // set when it did not even decrypt
}

// unseal decodes and decrypts one envelope sealed for b and prepares the
// check of its signature.
func (p *privatePayload) unseal(b binding, data json.RawMessage) *unsealed {
	encoded, ok := envelopeText(data)
	if !ok {
		return &unsealed{failure: failUndecryptable}
	}
	envelope := make([]byte, base64.RawURLEncoding.DecodedLen(len(encoded)))
	n, err := base64.RawURLEncoding.Decode(envelope, encoded)
	if err != nil {
		return &unsealed{failure: failUndecryptable}
	}
	envelope = envelope[:n]
	plaintext, err := p.sealer.open(b, envelope)
	if err != nil {
		return &unsealed{failure: failUndecryptable}
	}
	var signed signedPlaintext
	if json.Unmarshal(plaintext, &signed) != nil || len(signed.Body) == 0 {
		return &unsealed{failure: failUndecryptable}
	}
	sig, err := base64.RawURLEncoding.DecodeString(signed.Sig)
	if err != nil {
		return &unsealed{failure: failUnverified}
	}
	check, err := newSignatureCheck(signed.PK, b, signed.Body, sig)
	if err != nil {
		return &unsealed{failure: failUnverified}
	}
	return &unsealed{body: signed.Body, signer: signed.PK, check: check}
}

// verifyLater is u as a msg whose signature is verified later; ok is false
// when there is nothing to wait for (it failed already, or its body does
// not decode, which finish tells apart once verified).
func (u *unsealed) verifyLater() (later opened, ok bool) {
	var body messageData
	if u.failure != "" || json.Unmarshal(u.body, &body) != nil {
		return opened{}, false
	}
	return opened{failure: flagVerifying, unverified: &unverifiedMessage{check: u.check, body: decodeBody(body), signer: u.signer}}, true
}

// envelopeText is the text of the JSON string data, which carries an
// envelope in base64url. Such a string has nothing to unescape, so it is
// read in place: running encoding/json over 500 of them was a large part
// of opening a history in wasm. A string with escapes (no sender writes
// one, but JSON allows it) is decoded by encoding/json.
func envelopeText(data json.RawMessage) ([]byte, bool) {
	data = bytes.TrimSpace(data)
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return nil, false
	}
	if text := data[1 : len(data)-1]; bytes.IndexByte(text, '\\') < 0 && bytes.IndexByte(text, '"') < 0 {
		return text, true // base64 decoding refuses anything else a JSON string may not hold
	}
	var encoded string
	if json.Unmarshal(data, &encoded) != nil {
		return nil, false
	}
	return []byte(encoded), true
}

// finish is what the client uses of u once its signature was verified. A
// meta's text is dropped; a message's nick is cleaned as in plain rooms
// (other fields of the body are for later features and ignored here).
func (u *unsealed) finish(meta bool) opened {
	switch {
	case u.failure != "":
		return opened{failure: u.failure}
	case !u.verified:
		return opened{failure: failUnverified}
	}
	var body messageData
	if json.Unmarshal(u.body, &body) != nil {
		return opened{failure: failUndecryptable}
	}
	if meta {
		body.Text = ""
	} else {
		body = decodeBody(body)
	}
	return opened{body: body, signer: u.signer}
}

// decodeBody cleans what a person may not choose freely: the nick is
// collapsed and shortened as in plain rooms.
func decodeBody(b messageData) messageData {
	b.Nick = cleanNick(b.Nick)
	b.Ref = usableRef(b.Ref)
	return b
}
