package chat

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
)

// An envelope is what the relay carries for a private room, in pub.data and
// meta.data (as a JSON string of its unpadded base64url):
//
//	version (1 byte, envelopeVersion) | nonce (12 random bytes) | AES-256-GCM ciphertext and tag
//
// The plaintext is padded with spaces to a multiple of paddingBucket, so the
// relay learns a message's length only to the bucket. The AAD is the version
// byte followed by the binding (kind, room id, cid, id), so that a ciphertext
// opens only as the kind of payload, in the room, from the cid and under the
// id it was sealed for: a replay under another id or room fails to open.

const (
	// envelopeVersion is the first byte of every envelope this client seals.
	envelopeVersion = 1
	// envelopeNonceSize is GCM's standard 96-bit nonce, random per envelope:
	// at 2^32 envelopes per key the collision risk stays below 2^-32.
	envelopeNonceSize = 12
	// envelopeOverhead is what sealing adds to the padded plaintext.
	envelopeOverhead = 1 + envelopeNonceSize + 16
	// paddingBucket: plaintexts are padded to the next multiple of this many bytes.
	paddingBucket = 256
)

// Kinds of payload a binding names: a message cannot open as a meta.
const (
	kindMessage = "msg"
	kindMeta    = "meta"
)

// Reasons an envelope does not open. The UI shows all of them as one muted
// "could not decrypt" line; tests tell them apart.
var (
	errEnvelopeVersion   = errors.New("unknown envelope version")
	errEnvelopeTruncated = errors.New("envelope too short")
	errEnvelopeOpen      = errors.New("envelope does not open with this room's key and binding")
	errBindingTooLong    = errors.New("binding field longer than 255 bytes")
)

// binding names what an envelope and its signature are for. Each field goes
// into the AAD and the signed statement as one length byte and its bytes, so
// that no two bindings encode alike.
type binding struct {
	kind, room, cid, id string
}

func (b binding) appendTo(dst []byte) ([]byte, error) {
	for _, field := range [...]string{b.kind, b.room, b.cid, b.id} {
		if len(field) > 255 {
			return nil, errBindingTooLong
		}
		dst = append(dst, byte(len(field)))
		dst = append(dst, field...)
	}
	return dst, nil
}

// sealer seals and opens the envelopes of one private room.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(p PrivateRoom) *sealer {
	block, err := aes.NewCipher(p.messageKey())
	if err != nil {
		panic("chat: aes: " + err.Error()) // the key is always 32 bytes
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("chat: gcm: " + err.Error())
	}
	return &sealer{aead: aead}
}

// seal pads plaintext and encrypts it for b with a fresh random nonce.
func (s *sealer) seal(b binding, plaintext []byte) ([]byte, error) {
	var nonce [envelopeNonceSize]byte
	_, _ = rand.Read(nonce[:]) // never fails (Go 1.24+)
	return s.sealWithNonce(b, plaintext, nonce)
}

// sealWithNonce is seal with a given nonce, for the test vectors: a nonce
// must never be used twice with one key.
func (s *sealer) sealWithNonce(b binding, plaintext []byte, nonce [envelopeNonceSize]byte) ([]byte, error) {
	aad, err := b.appendTo([]byte{envelopeVersion})
	if err != nil {
		return nil, err
	}
	padded := paddedLen(len(plaintext))
	out := make([]byte, 1+envelopeNonceSize, envelopeOverhead+padded)
	out[0] = envelopeVersion
	copy(out[1:], nonce[:])
	body := append(make([]byte, 0, padded), plaintext...)
	for len(body) < padded {
		body = append(body, ' ')
	}
	return s.aead.Seal(out, out[1:1+envelopeNonceSize], body, aad), nil
}

// open checks and decrypts an envelope sealed for b. The result still holds
// the padding (trailing spaces, which JSON ignores).
func (s *sealer) open(b binding, envelope []byte) ([]byte, error) {
	if len(envelope) == 0 {
		return nil, errEnvelopeTruncated
	}
	if envelope[0] != envelopeVersion {
		return nil, errEnvelopeVersion
	}
	if len(envelope) < envelopeOverhead {
		return nil, errEnvelopeTruncated
	}
	aad, err := b.appendTo([]byte{envelopeVersion})
	if err != nil {
		return nil, err
	}
	plaintext, err := s.aead.Open(nil, envelope[1:1+envelopeNonceSize], envelope[1+envelopeNonceSize:], aad)
	if err != nil {
		return nil, errEnvelopeOpen
	}
	return plaintext, nil
}

// paddedLen is n rounded up to the next multiple of paddingBucket, at least one bucket.
func paddedLen(n int) int {
	return max(paddingBucket, (n+paddingBucket-1)/paddingBucket*paddingBucket)
}
