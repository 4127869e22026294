package chat

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strconv"
)

// In a private room, authorship is decided by signatures, not by cid (which
// anyone may claim): each install keeps one Ed25519 key pair in its Store and
// signs every message and meta it seals. Its public key is the person's
// identity in every private room; the safety code is a short digest of it to
// compare out of band.

// SigningKeyStoreKey is the Store key of this install's Ed25519 seed.
const SigningKeyStoreKey = "chat.signing-key"

// signatureContext starts every signed statement, so that a signature made
// here can never be taken for one made by another protocol with the same key.
const signatureContext = "chat.v1 signature"

var errBadSignature = errors.New("signature does not verify")

// SigningKey is this install's Ed25519 key pair.
type SigningKey struct {
	private ed25519.PrivateKey
	public  string // unpadded base64url of the 32-byte public key
}

// LoadSigningKey reads this install's signing key from s, creating and
// saving one on first use. When saving fails (storage full or unavailable)
// the key serves this session only: the next start is a new identity, which
// the others see as "key changed".
func LoadSigningKey(s Store) SigningKey {
	if raw, ok := s.Get(SigningKeyStoreKey); ok {
		if seed, err := base64.RawURLEncoding.DecodeString(raw); err == nil && len(seed) == ed25519.SeedSize {
			return newSigningKey(seed)
		}
	}
	seed := make([]byte, ed25519.SeedSize)
	_, _ = rand.Read(seed) // never fails (Go 1.24+)
	_ = s.Set(SigningKeyStoreKey, base64.RawURLEncoding.EncodeToString(seed))
	return newSigningKey(seed)
}

func newSigningKey(seed []byte) SigningKey {
	private := ed25519.NewKeyFromSeed(seed)
	public := private.Public().(ed25519.PublicKey)
	return SigningKey{private: private, public: base64.RawURLEncoding.EncodeToString(public)}
}

// PublicKey is the public key as messages carry it: unpadded base64url.
func (k SigningKey) PublicKey() string { return k.public }

// sign signs the statement binding b to body.
func (k SigningKey) sign(b binding, body []byte) ([]byte, error) {
	statement, err := signedStatement(b, body)
	if err != nil {
		return nil, err
	}
	return ed25519.Sign(k.private, statement), nil
}

// verifySignature checks that publicKey (unpadded base64url) signed the
// statement binding b to body.
func verifySignature(publicKey string, b binding, body, signature []byte) error {
	check, err := newSignatureCheck(publicKey, b, body, signature)
	if err != nil || !check.verify() {
		return errBadSignature
	}
	return nil
}

// signatureCheck is one signature to verify: the raw public key, the signed
// statement and the signature. A history's older messages are verified
// after it is shown (private_verify.go).
type signatureCheck struct {
	publicKey, statement, signature []byte
}

// newSignatureCheck prepares the check that publicKey (unpadded base64url)
// signed the statement binding b to body; it fails when the key is not one.
func newSignatureCheck(publicKey string, b binding, body, signature []byte) (signatureCheck, error) {
	key, err := base64.RawURLEncoding.DecodeString(publicKey)
	if err != nil || len(key) != ed25519.PublicKeySize {
		return signatureCheck{}, errBadSignature
	}
	statement, err := signedStatement(b, body)
	if err != nil {
		return signatureCheck{}, err
	}
	return signatureCheck{publicKey: key, statement: statement, signature: signature}, nil
}

// verify is crypto/ed25519's verdict, the only one the client uses.
func (c signatureCheck) verify() bool {
	return ed25519.Verify(ed25519.PublicKey(c.publicKey), c.statement, c.signature)
}

// signedStatement is what a signature covers: the context, the binding
// (kind, room id, cid, id) and the body's exact bytes.
func signedStatement(b binding, body []byte) ([]byte, error) {
	out, err := b.appendTo(append(make([]byte, 0, len(signatureContext)+80+len(body)), signatureContext...))
	if err != nil {
		return nil, err
	}
	return append(out, body...), nil
}

// SafetyCode is the short code people compare out of band to know they talk
// to the same install: the first 8 bytes of SHA-256 of the raw public key,
// as a big-endian number modulo 10^12, in three groups of four digits
// ("0421 7730 1295"). "" for a key that is not one.
func SafetyCode(publicKey string) string {
	key, err := base64.RawURLEncoding.DecodeString(publicKey)
	if err != nil || len(key) != ed25519.PublicKeySize {
		return ""
	}
	sum := sha256.Sum256(key)
	digits := strconv.FormatUint(binary.BigEndian.Uint64(sum[:8])%1_000_000_000_000, 10)
	for len(digits) < 12 {
		digits = "0" + digits
	}
	return digits[:4] + " " + digits[4:8] + " " + digits[8:]
}
