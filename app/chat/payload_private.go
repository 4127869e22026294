package chat

import (
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
	o := p.open(binding{kind: kindMessage, room: p.room, cid: cid, id: id}, data)
	if o.failure == "" {
		// The nick and text are only what this client reads today; other
		// fields of the body are for later features and ignored here.
		o.body = decodeBody(o.body)
	}
	return o
}

func (p *privatePayload) openMeta(cid string, data json.RawMessage) opened {
	if len(data) == 0 || string(data) == "null" {
		return opened{} // no meta announced yet: nothing to open
	}
	o := p.open(binding{kind: kindMeta, room: p.room, cid: cid}, data)
	o.body.Text = ""
	return o
}

// open decodes, decrypts and verifies one envelope. Whatever goes wrong,
// the answer is a failure, never an error or garbage: the caller shows it
// as one muted line and carries on with the next frame.
func (p *privatePayload) open(b binding, data json.RawMessage) opened {
	var encoded string
	if !isJSONString(data) || json.Unmarshal(data, &encoded) != nil {
		return opened{failure: failUndecryptable}
	}
	envelope, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return opened{failure: failUndecryptable}
	}
	plaintext, err := p.sealer.open(b, envelope)
	if err != nil {
		return opened{failure: failUndecryptable}
	}
	var signed signedPlaintext
	if json.Unmarshal(plaintext, &signed) != nil || len(signed.Body) == 0 {
		return opened{failure: failUndecryptable}
	}
	sig, err := base64.RawURLEncoding.DecodeString(signed.Sig)
	if err != nil || verifySignature(signed.PK, b, signed.Body, sig) != nil {
		return opened{failure: failUnverified}
	}
	var body messageData
	if json.Unmarshal(signed.Body, &body) != nil {
		return opened{failure: failUndecryptable}
	}
	return opened{body: body, signer: signed.PK}
}

// decodeBody cleans what a person may not choose freely: the nick is
// collapsed and shortened as in plain rooms.
func decodeBody(b messageData) messageData {
	b.Nick = cleanNick(b.Nick)
	b.Ref = usableRef(b.Ref)
	return b
}
