package chat

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"
)

// A private room is a link: https://HOST/#room=NAME&key=KEY. Whoever has the
// link can read and write; the relay only ever sees the room id derived from
// KEY and ciphertext (relay/PROTOCOL.md, "Private rooms"). The fragment never
// leaves the browser, so neither NAME nor KEY reaches any server.

// PrivateKeySize is the size of a private room's key, the KEY of its link.
const PrivateKeySize = 32

// MaxPrivateNameLen bounds a private room's name (characters). The name only
// lives in links and in this browser, so any text is allowed.
const MaxPrivateNameLen = 64

// HKDF info strings of the two derivations: changing either is a new protocol.
const (
	roomIDInfo     = "chat.v1 room id"
	messageKeyInfo = "chat.v1 message key"
	// privateRoomPrefix starts every derived room id; plain room names may
	// start with it too, so it marks nothing the client relies on.
	privateRoomPrefix = "p-"
)

// ErrBadInvite: a private room link whose key is not 43 characters of
// unpadded base64url (32 bytes) or whose name is empty or too long.
var ErrBadInvite = errors.New("this private room link is damaged: its key must be 43 characters and its name 1–64 characters")

// PrivateRoom is a private room as this browser knows it: the name people
// see and the key of its link. Both stay in the browser.
type PrivateRoom struct {
	Name string
	Key  [PrivateKeySize]byte
}

// NewPrivateRoom creates a private room named name with a fresh random key.
// The name is trimmed and its inner whitespace collapsed.
func NewPrivateRoom(name string) (PrivateRoom, error) {
	p := PrivateRoom{Name: cleanRoomName(name)}
	if !validPrivateName(p.Name) {
		return PrivateRoom{}, ErrBadInvite
	}
	// crypto/rand.Read never fails (Go 1.24+); it panics if the system
	// source is broken, which nothing here could recover from anyway.
	_, _ = rand.Read(p.Key[:])
	return p, nil
}

// ParseInvite reads a private room from a page fragment
// "#room=NAME&key=KEY". ok is false when the fragment has no key= (a plain
// room link); err is ErrBadInvite when it has one that cannot be used.
func ParseInvite(fragment string) (p PrivateRoom, ok bool, err error) {
	fragment = strings.TrimPrefix(fragment, "#")
	if !strings.Contains(fragment, "key=") {
		return PrivateRoom{}, false, nil
	}
	values, _ := url.ParseQuery(fragment) // keeps the pairs it could parse
	if !values.Has("key") {
		return PrivateRoom{}, false, nil
	}
	p.Name = cleanRoomName(values.Get("room"))
	key, decodeErr := base64.RawURLEncoding.DecodeString(values.Get("key"))
	if decodeErr != nil || len(key) != PrivateKeySize || !validPrivateName(p.Name) {
		return PrivateRoom{}, true, ErrBadInvite
	}
	copy(p.Key[:], key)
	return p, true, nil
}

// Fragment is the invite link's fragment, "#room=NAME&key=KEY": append it
// to the site's address to share the room.
func (p PrivateRoom) Fragment() string {
	return "#room=" + url.QueryEscape(p.Name) + "&key=" + p.EncodedKey()
}

// EncodedKey is KEY as the link carries it: 43 characters of unpadded base64url.
func (p PrivateRoom) EncodedKey() string { return base64.RawURLEncoding.EncodeToString(p.Key[:]) }

// RoomID is the relay room id derived from the key: "p-" and the unpadded
// base64url of the first 16 bytes of HKDF-SHA256(key, salt empty,
// info "chat.v1 room id"), 24 characters of the relay's room charset. Two
// links with the same name and different keys are different rooms.
func (p PrivateRoom) RoomID() string {
	return privateRoomPrefix + base64.RawURLEncoding.EncodeToString(derive(p.Key[:], roomIDInfo, 16))
}

// messageKey is the AES-256-GCM key of the room's envelopes:
// HKDF-SHA256(key, salt empty, info "chat.v1 message key"), 32 bytes.
func (p PrivateRoom) messageKey() []byte { return derive(p.Key[:], messageKeyInfo, 32) }

func derive(secret []byte, info string, size int) []byte {
	out, err := hkdf.Key(sha256.New, secret, nil, info, size)
	if err != nil {
		// Only a size over 255*32 bytes fails; ours are constants.
		panic("chat: hkdf: " + err.Error())
	}
	return out
}

func cleanRoomName(name string) string { return strings.Join(strings.Fields(name), " ") }

func validPrivateName(name string) bool {
	return name != "" && utf8.ValidString(name) && utf8.RuneCountInString(name) <= MaxPrivateNameLen
}
