package chat

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"slices"
	"sync"

	"github.com/chatpwa/chat/relay/wire"
)

// IdentityKey is the Store key of the persisted Identity.
const IdentityKey = "chat.identity"

// identityKeyBytes is the entropy of a generated ckey: 24 random bytes are
// 32 base64url characters, within the relay's 22–64.
const identityKeyBytes = 24

// Identity is who this install is to the relay: a secret client key sent as
// ckey= (the "client keys" extension of chat.v1), from which the relay
// derives the cid everyone sees, so that nobody else can speak as it.
//
// Installs from before keys had a random cid sent as cid= (Prefs.CID). It
// stays an alias: messages stored under it still show as mine. Switching a
// room from it to the key must not lose or duplicate a queued message: the
// relay deduplicates a resend by (cid, id), so an outbox entry already sent
// under the old cid, whose echo was never seen, must be resent under the old
// cid, or it would be published twice. So each room keeps connecting with
// cid= until the first connection attempt at which its outbox is empty;
// from then on (remembered in Switched) it connects with ckey=, and
// everything queued later is sent under the new cid only.
type Identity struct {
	store Store
	cid   string // CIDFromKey(Key), computed once: every message is checked against it

	mu       sync.Mutex
	Key      string   `json:"ckey"`               // the secret: sent to the relay only, as ckey=
	Legacy   string   `json:"legacy,omitempty"`   // the cid of before keys, "" on a fresh install
	Switched []string `json:"switched,omitempty"` // rooms that moved from Legacy to Key
}

// LoadIdentity reads the Identity from s, creating and saving one the first
// time: a new random key, and legacyCID (the install's Prefs.CID, "" if none)
// as the alias its rooms keep until they switch. random fills a slice with
// random bytes; nil means crypto/rand.
func LoadIdentity(s Store, legacyCID string, random func([]byte)) *Identity {
	id := &Identity{store: s}
	if raw, ok := s.Get(IdentityKey); ok && json.Unmarshal([]byte(raw), id) == nil && wire.ValidCKey(id.Key) {
		id.cid = wire.CIDFromKey(id.Key)
		return id
	}
	if random == nil {
		random = func(b []byte) { _, _ = rand.Read(b) } // never fails (Go 1.24+)
	}
	b := make([]byte, identityKeyBytes)
	random(b)
	id.Key = base64.RawURLEncoding.EncodeToString(b)
	id.cid = wire.CIDFromKey(id.Key)
	id.Legacy, id.Switched = "", nil
	if wire.ValidCID(legacyCID) {
		id.Legacy = legacyCID
	}
	// A failed save means a new key next start: the messages sent under this
	// one then show as someone else's. Nothing to tell the person now.
	_ = id.saveLocked()
	return id
}

// CID is the cid the relay derives from the key: what others see once a
// room has switched.
func (id *Identity) CID() string { return id.cid }

// Owns reports whether cid is mine: the derived cid or the legacy alias.
func (id *Identity) Owns(cid string) bool {
	return cid != "" && (cid == id.CID() || cid == id.Legacy)
}

// dialID is how a connection names its client: cid=VALUE or ckey=VALUE.
type dialID struct {
	param, value string
}

// forDial decides how the next connection to room names me, and returns the
// cid the relay will give me (my echoes carry it). outboxEmpty is whether
// the room's outbox holds nothing: only then may a room still on the legacy
// cid switch (see Identity).
func (id *Identity) forDial(room string, outboxEmpty bool) (dialID, string) {
	id.mu.Lock()
	defer id.mu.Unlock()
	if id.Legacy != "" && !slices.Contains(id.Switched, room) {
		if !outboxEmpty {
			return dialID{"cid", id.Legacy}, id.Legacy
		}
		// Switch only once it is on disk: a switch forgotten after a reload
		// would send what was queued under the new cid with the old one.
		id.Switched = append(id.Switched, room)
		if id.saveLocked() != nil {
			id.Switched = id.Switched[:len(id.Switched)-1]
			return dialID{"cid", id.Legacy}, id.Legacy
		}
	}
	return dialID{"ckey", id.Key}, id.CID()
}

func (id *Identity) saveLocked() error {
	raw, err := json.Marshal(id)
	if err != nil {
		return err
	}
	return id.store.Set(IdentityKey, string(raw))
}

// dialIDLocked names me for the next connection and sets c.cid to the cid
// the relay will give me.
func (c *Client) dialIDLocked() dialID {
	if c.identity == nil {
		return dialID{"cid", c.cid}
	}
	id, cid := c.identity.forDial(c.room, len(c.outbox) == 0)
	c.cid = cid
	if p, ok := c.payload.(*privatePayload); ok {
		p.cid = cid // a private room binds what I seal to the cid the relay stamps
	}
	return id
}

// ownCID reports whether a message or member with cid is mine: the cid of
// this connection, or with an Identity, either of my cids.
func (c *Client) ownCID(cid string) bool {
	return cid == c.cid || (c.identity != nil && c.identity.Owns(cid))
}

// historyLine is m's line, mine when sent under any of my cids (and, in a
// private room, verified as signed by my key).
func (c *Client) historyLine(m storedMessage) Line {
	l := m.line(c.cid, c.signer)
	l.Mine = c.ownCID(m.CID) && m.Signer == c.signer && m.Flag == ""
	return l
}
