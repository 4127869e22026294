package relay

import (
	"encoding/base64"
	"strings"
)

// Names in NATS. A room's msgs are published on roomSubjectPrefix+token and
// kept in the stream roomStreamPrefix+token, one stream per room; presence
// between relays travels on presenceSubject (see nats_presence.go).
const (
	roomSubjectPrefix = "chat.room."
	roomStreamPrefix  = "CHAT_ROOM_"
	presenceSubject   = "chat.presence"
	// signalSubjectPrefix begins the subjects of rooms' signals
	// (signal_nats.go): core NATS, outside every stream's subjects.
	signalSubjectPrefix = "chat.signal."
)

// roomToken maps a room name onto one NATS subject token that is also valid
// in a stream name: bytes of [a-z0-9-] stay, every other byte becomes '_'
// and two lowercase hex digits. Room names may contain '.', which would
// split a subject token, and upper case, which would make two rooms share a
// stream directory on a case-insensitive file system. The mapping is
// injective ('_' itself is escaped) and its result is at most 3×64 bytes,
// well under JetStream's 255-byte name limit.
func roomToken(room string) string {
	const hexDigits = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(room) + 8)
	for i := 0; i < len(room); i++ {
		c := room[i]
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('_')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xf])
	}
	return b.String()
}

// roomSubject is the subject a room's msgs are published on.
func roomSubject(room string) string { return roomSubjectPrefix + roomToken(room) }

// signalSubject is the subject a room's signals are published on.
func signalSubject(room string) string { return signalSubjectPrefix + roomToken(room) }

// roomStream is the name of the JetStream stream keeping a room's msgs.
func roomStream(room string) string { return roomStreamPrefix + roomToken(room) }

// natsMsgID is the Nats-Msg-Id of a pub, JetStream's dedup key: the cid and
// the client's id, which may hold any byte, so it is base64url-encoded to
// stay a valid header value. A cid has no '.', so the key is unambiguous.
func natsMsgID(cid, id string) string {
	return cid + "." + base64.RawURLEncoding.EncodeToString([]byte(id))
}
