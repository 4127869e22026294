package chat

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// The test vectors of relay/PROTOCOL.md, "Private rooms": another client
// that derives and seals the same bytes interoperates with this one.
const (
	vectorKey        = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" // bytes 0x00…0x1f
	vectorRoomID     = "p-0AJ1tyApn_YmnMs_xTqkMA"
	vectorMessageKey = "c6f85d413ace1d460d7cd0e264048b1c30c93f4ded1aca9f19583a140e90ffa4"
	vectorPublicKey  = "IVL40Zt5HSRFMkLhXy6rbLfP-ntqXtMAl5YOBpiB2xI" // seed: 32 bytes 0x42
	vectorSafetyCode = "6822 1944 0692"
	vectorAAD        = "01036d736718702d30414a31747941706e5f596d6e4d735f7854716b4d410d6164612d696e7374616c6c2d31026d31"
	vectorPlaintext  = `{"body":{"nick":"Ada","text":"Hello, book club!"},"pk":"IVL40Zt5HSRFMkLhXy6rbLfP-ntqXtMAl5YOBpiB2xI","sig":"DecLhsSR2IELdbHELVd2i8Ehnx8c130iKOWJyRSsuamH2n6LZv3y0e7T-kARJt-722dr04iQP_gcpqgDmeLLBA"}`
	vectorEnvelope   = "AaChoqOkpaanqKmqqxQaj6QcmjhZORnEr3IngQGWjA2W6EjYfWEbzqkE-XadQFcGv34Li3_2xWOK60hQfyCmWh5MVYVwXxb3-uZMg2Uee9Hhx0feQdcXXLgCa0pJx8LzfGpIFVT4xjvrnEyLcYw2nB4FnTIRUmapaOSFZvXEcWluCHSF5veUYdXpQQw9QeVmer4aANju7OJ2hdH5SbsY4GC0Q7wduX7E2lEgGREaNGE2fjm6xEOjDWGE02I6_QtcG5C3ccixLDLLDJ2EQG4vCV7-SVP9byNoT9NJQNYHFA06trDLfbpebEaLVtIf60nxe6ELozT56dD1G0fHyEo0uUNnF3I6n1SNZbhuXTgSdF30mA20DEFtbWpjwulw"
)

// vectorRoom is the vectors' room: name "Book club", key 0x00…0x1f.
func vectorRoom(t testing.TB) PrivateRoom {
	t.Helper()
	p, ok, err := ParseInvite("#room=Book+club&key=" + vectorKey)
	if !ok || err != nil {
		t.Fatalf("ParseInvite of the vector link: ok=%v err=%v", ok, err)
	}
	return p
}

func vectorSigningKey() SigningKey { return newSigningKey([]byte(strings.Repeat("\x42", 32))) }

// vectorBinding is the vector message's: id "m1" from cid "ada-install-1".
var vectorBinding = binding{kind: kindMessage, room: vectorRoomID, cid: "ada-install-1", id: "m1"}

func vectorNonce() (n [envelopeNonceSize]byte) {
	for i := range n {
		n[i] = byte(0xa0 + i)
	}
	return n
}

func TestPrivateRoom_DerivationsMatchTheProtocolVectors(t *testing.T) {
	p := vectorRoom(t)
	for i, b := range p.Key {
		if b != byte(i) {
			t.Fatalf("key byte %d is %#x, want %#x", i, b, i)
		}
	}
	if got := p.Fragment(); got != "#room=Book+club&key="+vectorKey {
		t.Errorf("Fragment = %q", got)
	}
	if got := p.RoomID(); got != vectorRoomID {
		t.Errorf("RoomID = %q, want %q", got, vectorRoomID)
	}
	if got := hex.EncodeToString(p.messageKey()); got != vectorMessageKey {
		t.Errorf("message key = %s, want %s", got, vectorMessageKey)
	}
	if id := p.RoomID(); len(id) != 24 || !wire.ValidRoom(id) {
		t.Errorf("RoomID %q is not a 24-character relay room name", id)
	}
	k := vectorSigningKey()
	if k.PublicKey() != vectorPublicKey {
		t.Errorf("public key of seed 0x42… = %s, want %s", k.PublicKey(), vectorPublicKey)
	}
	if got := SafetyCode(vectorPublicKey); got != vectorSafetyCode {
		t.Errorf("SafetyCode = %q, want %q", got, vectorSafetyCode)
	}
	aad, err := vectorBinding.appendTo([]byte{envelopeVersion})
	if err != nil || hex.EncodeToString(aad) != vectorAAD {
		t.Errorf("AAD = %x (%v), want %s", aad, err, vectorAAD)
	}
}

func TestEnvelope_SealsAndOpensTheProtocolVector(t *testing.T) {
	p := vectorRoom(t)
	pp := newPrivatePayload(p, "ada-install-1", vectorSigningKey())
	body := encodeJSON(messageData{Nick: "Ada", Text: "Hello, book club!"})
	sig, err := pp.key.sign(vectorBinding, body)
	if err != nil {
		t.Fatal(err)
	}
	plaintext := encodeJSON(signedPlaintext{Body: body, PK: vectorPublicKey, Sig: base64.RawURLEncoding.EncodeToString(sig)})
	if string(plaintext) != vectorPlaintext {
		t.Errorf("signed plaintext =\n%s\nwant\n%s", plaintext, vectorPlaintext)
	}
	envelope, err := newSealer(p).sealWithNonce(vectorBinding, plaintext, vectorNonce())
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.RawURLEncoding.EncodeToString(envelope); got != vectorEnvelope {
		t.Errorf("envelope =\n%s\nwant\n%s", got, vectorEnvelope)
	}
	if len(envelope) != envelopeOverhead+paddingBucket {
		t.Errorf("envelope of a %d-byte plaintext is %d bytes, want one %d-byte bucket + %d", len(plaintext), len(envelope), paddingBucket, envelopeOverhead)
	}
	o := pp.openMessage("ada-install-1", "m1", []byte(`"`+vectorEnvelope+`"`))
	if o.failure != "" || o.body.Nick != "Ada" || o.body.Text != "Hello, book club!" || o.signer != vectorPublicKey {
		t.Errorf("opening the vector envelope = %+v", o)
	}
}

func TestPrivateRoom_LinkRoundTripAndBadLinks(t *testing.T) {
	p, err := NewPrivateRoom("  Book   club ")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Book club" {
		t.Errorf("name %q, want the whitespace collapsed", p.Name)
	}
	other, _ := NewPrivateRoom("Book club")
	if other.Key == p.Key || other.RoomID() == p.RoomID() {
		t.Error("two new rooms with the same name share a key or room id")
	}
	if len(p.EncodedKey()) != 43 {
		t.Errorf("encoded key %q is not 43 characters", p.EncodedKey())
	}
	back, ok, err := ParseInvite(p.Fragment())
	if !ok || err != nil || back != p {
		t.Errorf("ParseInvite(%q) = %+v, %v, %v; want the room back", p.Fragment(), back, ok, err)
	}
	if _, ok, err := ParseInvite("#room=lobby"); ok || err != nil {
		t.Errorf("a plain room link is taken as private: ok=%v err=%v", ok, err)
	}
	if _, ok, err := ParseInvite("#room=lobby&token=abc"); ok || err != nil {
		t.Errorf("a token link is taken as private: ok=%v err=%v", ok, err)
	}
	for _, bad := range []string{
		"#room=x&key=" + vectorKey[:42],                          // 31.5 bytes
		"#room=x&key=" + vectorKey + "A",                         // 44 characters
		"#room=x&key=" + strings.Repeat("A", 42) + "==",          // padded
		"#room=x&key=" + vectorKey[:40] + "+/8",                  // standard base64, not url
		"#room=&key=" + vectorKey,                                // no name
		"#room=" + strings.Repeat("n", 65) + "&key=" + vectorKey, // name too long
		"#key=" + vectorKey,
	} {
		if _, ok, err := ParseInvite(bad); !ok || !errors.Is(err, ErrBadInvite) {
			t.Errorf("ParseInvite(%q): ok=%v err=%v, want ErrBadInvite", bad, ok, err)
		}
	}
	if _, err := NewPrivateRoom("   "); !errors.Is(err, ErrBadInvite) {
		t.Errorf("NewPrivateRoom of a blank name: %v, want ErrBadInvite", err)
	}
}

func TestPrivateRoom_KeysStoredAndForgotten(t *testing.T) {
	s := NewMemoryStore()
	a, _ := NewPrivateRoom("A")
	b, _ := NewPrivateRoom("B")
	for _, p := range []PrivateRoom{a, b, a} {
		if err := SavePrivateRoom(s, p); err != nil {
			t.Fatal(err)
		}
	}
	if rooms := LoadPrivateRooms(s); len(rooms) != 2 || rooms[0] != a || rooms[1] != b {
		t.Fatalf("stored rooms = %+v, want A then B", rooms)
	}
	if got, ok := FindPrivateRoom(s, b.RoomID()); !ok || got != b {
		t.Errorf("FindPrivateRoom(B) = %+v, %v", got, ok)
	}
	_ = s.Set(historyKey(b.RoomID()), "{}")
	_ = s.Set(outboxKey(b.RoomID()), "[]")
	_ = s.Set(historyKey(a.RoomID()), "{}")
	if err := ForgetPrivateRoom(s, b.RoomID()); err != nil {
		t.Fatal(err)
	}
	if _, ok := FindPrivateRoom(s, b.RoomID()); ok {
		t.Error("B's key is still stored after ForgetPrivateRoom")
	}
	for _, key := range []string{historyKey(b.RoomID()), outboxKey(b.RoomID())} {
		if _, ok := s.Get(key); ok {
			t.Errorf("%s is still stored after ForgetPrivateRoom", key)
		}
	}
	if _, ok := s.Get(historyKey(a.RoomID())); !ok {
		t.Error("forgetting B removed A's history")
	}
}

func TestSigningKey_PersistsAcrossLoads(t *testing.T) {
	s := NewMemoryStore()
	first := LoadSigningKey(s)
	if again := LoadSigningKey(s); again.PublicKey() != first.PublicKey() {
		t.Error("a second load made a new key")
	}
	if other := LoadSigningKey(NewMemoryStore()); other.PublicKey() == first.PublicKey() {
		t.Error("two installs share a key")
	}
	_ = s.Set(SigningKeyStoreKey, "not a seed")
	if replaced := LoadSigningKey(s); replaced.PublicKey() == first.PublicKey() || SafetyCode(replaced.PublicKey()) == "" {
		t.Error("an unusable stored seed was not replaced by a fresh key")
	}
}
