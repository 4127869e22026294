package chat

import (
	"encoding/base64"
	"encoding/json"
)

// PrivateRoomsKey is the Store key of the private rooms this browser knows:
// their names and keys, next to the rooms' history. The key is stored only
// here; whoever can read this browser's storage can read the room anyway.
const PrivateRoomsKey = "chat.private-rooms"

// storedPrivateRoom is one private room as persisted.
type storedPrivateRoom struct {
	_ noCompare

	ID   string `json:"id"` // the derived relay room id, to find the room by
	Name string `json:"name"`
	Key  string `json:"key"` // unpadded base64url, as in the link
}

// LoadPrivateRooms returns the private rooms stored in s, most recently
// saved first. Unusable entries are skipped.
func LoadPrivateRooms(s Store) []PrivateRoom {
	var stored []storedPrivateRoom
	raw, ok := s.Get(PrivateRoomsKey)
	if !ok || json.Unmarshal([]byte(raw), &stored) != nil {
		return nil
	}
	rooms := make([]PrivateRoom, 0, len(stored))
	for _, r := range stored {
		key, err := base64.RawURLEncoding.DecodeString(r.Key)
		if err != nil || len(key) != PrivateKeySize || !validPrivateName(r.Name) {
			continue
		}
		p := PrivateRoom{Name: r.Name}
		copy(p.Key[:], key)
		rooms = append(rooms, p)
	}
	return rooms
}

// FindPrivateRoom returns the stored private room whose relay room id is id.
func FindPrivateRoom(s Store, id string) (PrivateRoom, bool) {
	for _, p := range LoadPrivateRooms(s) {
		if p.RoomID() == id {
			return p, true
		}
	}
	return PrivateRoom{}, false
}

// SavePrivateRoom stores p (first, replacing an entry with the same key).
func SavePrivateRoom(s Store, p PrivateRoom) error {
	rooms := []PrivateRoom{p}
	for _, r := range LoadPrivateRooms(s) {
		if r.Key != p.Key {
			rooms = append(rooms, r)
		}
	}
	return savePrivateRooms(s, rooms)
}

// ForgetPrivateRoom removes everything this browser keeps of the private
// room with relay room id id: its key, its history and its outbox. The
// caller also drops it from Prefs.Recent.
func ForgetPrivateRoom(s Store, id string) error {
	ForgetRoom(s, id)
	var rooms []PrivateRoom
	for _, r := range LoadPrivateRooms(s) {
		if r.RoomID() != id {
			rooms = append(rooms, r)
		}
	}
	return savePrivateRooms(s, rooms)
}

func savePrivateRooms(s Store, rooms []PrivateRoom) error {
	if len(rooms) == 0 {
		s.Delete(PrivateRoomsKey)
		return nil
	}
	stored := make([]storedPrivateRoom, len(rooms))
	for i, r := range rooms {
		stored[i] = storedPrivateRoom{ID: r.RoomID(), Name: r.Name, Key: r.EncodedKey()}
	}
	raw, err := json.Marshal(stored)
	if err != nil {
		return err
	}
	return s.Set(PrivateRoomsKey, string(raw))
}
