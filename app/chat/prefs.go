package chat

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/chatpwa/chat/relay/wire"
)

// PrefsKey is the Store key of the persisted Prefs.
const PrefsKey = "chat.prefs"

// MaxRecentRooms is how many rooms Prefs.Recent remembers: every one of
// them is kept live (rooms.go), so it is also the number of rooms a page
// joins on its connection.
const MaxRecentRooms = 16

// cidLength is the length of a generated client id: 22 characters of a
// 64-letter alphabet carry 132 bits, enough that two browsers never collide.
const cidLength = 22

const cidAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

// Prefs are the person's settings, persisted in the Store under PrefsKey.
type Prefs struct {
	CID    string            `json:"cid"`              // stable client id across reloads and rooms
	Nick   string            `json:"nick"`             // the announced nickname
	Relay  string            `json:"relay,omitempty"`  // relay URL override; empty: DefaultRelay of the page
	Recent []string          `json:"recent,omitempty"` // rooms, most recent first
	Tokens map[string]string `json:"tokens,omitempty"` // invite token per room
	Notify bool              `json:"notify,omitempty"` // opted in to notifications
	// HideText keeps message text out of notifications (a locked screen
	// shows them to anyone): only who wrote in which room.
	HideText bool `json:"hide_text,omitempty"`
	// Muted rooms notify only when someone mentions me (rooms.go).
	Muted []string `json:"muted,omitempty"`
	// NoReadReceipts keeps this person's read mark to themselves: no read
	// signal tells the room how far they read (read_receipts.go). Stored
	// negated so that the zero value, and every Prefs stored before the
	// setting existed, means on; read it through SendReadReceipts.
	NoReadReceipts bool `json:"no_read_receipts,omitempty"`
}

// SendReadReceipts reports whether the person lets the room know how far
// they read (Prefs.NoReadReceipts, on by default).
func (p Prefs) SendReadReceipts() bool { return !p.NoReadReceipts }

// LoadPrefs reads the Prefs from s. On first start (or when the stored value
// is unusable) it creates a random CID and RandomNick and saves them, so the
// client id stays the same on every later start. rnd nil means math/rand/v2.
func LoadPrefs(s Store, rnd func() float64) Prefs {
	rnd = orRandom(rnd)
	var p Prefs
	raw, ok := s.Get(PrefsKey)
	if ok {
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			p = Prefs{}
		}
	}
	dirty := !ok
	if !wire.ValidCID(p.CID) {
		p.CID = randomCID(rnd)
		dirty = true
	}
	if strings.TrimSpace(p.Nick) == "" {
		p.Nick = RandomNick(rnd)
		dirty = true
	}
	p.Recent = slices.DeleteFunc(p.Recent, func(room string) bool { return !wire.ValidRoom(room) })
	if dirty {
		// A failed save only means a new identity next start; nothing to tell the person.
		_ = p.Save(s)
	}
	return p
}

// UpdatePrefs is the read-modify-write of the Prefs shared by every tab and
// window: it reads what is stored now, applies change and writes the result,
// which it returns, so that a tab never writes back a stale copy over what
// another stored (a token, a recent room). The caller keeps the returned
// value as its view. On a write error it returns the changed Prefs too.
func UpdatePrefs(s Store, change func(*Prefs), rnd func() float64) (Prefs, error) {
	p := LoadPrefs(s, rnd)
	change(&p)
	return p, p.Save(s)
}

// SetToken stores token as room's invite token ("" removes it).
func (p *Prefs) SetToken(room, token string) {
	if token == "" {
		delete(p.Tokens, room)
		return
	}
	if p.Tokens == nil {
		p.Tokens = map[string]string{}
	}
	p.Tokens[room] = token
}

// Save writes the Prefs to s. Tabs share them: change them with UpdatePrefs.
func (p *Prefs) Save(s Store) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode prefs: %w", err)
	}
	if err := s.Set(PrefsKey, string(raw)); err != nil {
		return fmt.Errorf("save prefs: %w", err)
	}
	return nil
}

// Visit records room as the most recent one: deduplicated, most recent
// first, at most MaxRecentRooms. Invalid room names are ignored.
func (p *Prefs) Visit(room string) {
	if !wire.ValidRoom(room) {
		return
	}
	recent := make([]string, 0, MaxRecentRooms)
	recent = append(recent, room)
	for _, r := range p.Recent {
		if r != room && len(recent) < MaxRecentRooms {
			recent = append(recent, r)
		}
	}
	p.Recent = recent
}

func randomCID(rnd func() float64) string {
	var b strings.Builder
	for range cidLength {
		i := int(rnd() * float64(len(cidAlphabet)))
		b.WriteByte(cidAlphabet[min(max(i, 0), len(cidAlphabet)-1)])
	}
	return b.String()
}
