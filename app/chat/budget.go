package chat

import (
	"encoding/json"
	"slices"
	"strings"
)

// Storage has a budget. The history of the MaxStoredRooms most recently
// opened rooms is kept (MaxHistory messages each); a room that drops off
// that list loses its stored history, never its outbox. When the store
// refuses a write (quota), the history of the least recently opened other
// room goes first, one room at a time, before the write is tried again; only
// then is the current room's own history shortened (saveHistory). An outbox
// entry is never removed to make room: a change the store still refuses
// stays queued in memory (outbox.go). Whatever was removed, the person is
// told once: StorageFullText.

// MaxStoredRooms is how many rooms, most recently opened first, keep their
// history in the Store.
const MaxStoredRooms = 20

// StorageFullText is the notice shown when history was removed to make room.
const StorageFullText = "storage full — older history removed"

// roomsKey is the Store key of the rooms with stored history, most recently
// opened first (JSON array of room names).
const roomsKey = "chat.rooms"

// historyKeyPrefix starts the Store key of every room's history.
const historyKeyPrefix = "chat.history."

// KeyLister is implemented by Stores that can list their keys (the browser
// store). The first start with this budget uses it to find the history of
// rooms opened before the rooms list existed; without it those stay until
// the person clears the site's data.
type KeyLister interface {
	Keys() []string
}

func loadRooms(s Store) (rooms []string, ok bool) {
	raw, ok := s.Get(roomsKey)
	if !ok || json.Unmarshal([]byte(raw), &rooms) != nil {
		return nil, false
	}
	return rooms, true
}

func saveRooms(s Store, rooms []string) error {
	raw, err := json.Marshal(rooms)
	if err != nil {
		return err
	}
	return s.Set(roomsKey, string(raw))
}

// openedRoom moves room to the front of the rooms list (a read-modify-write:
// other tabs keep it too) and removes the stored history of rooms beyond
// MaxStoredRooms.
func openedRoom(s Store, room string) {
	rooms, ok := loadRooms(s)
	if !ok {
		rooms = storedHistoryRooms(s)
	}
	rooms = append([]string{room}, slices.DeleteFunc(rooms, func(r string) bool { return r == room })...)
	for _, old := range rooms[min(len(rooms), MaxStoredRooms):] {
		s.Delete(historyKey(old))
		s.Delete(readMarkKey(old)) // marks are small, but unbounded without this
	}
	rooms = rooms[:min(len(rooms), MaxStoredRooms)]
	_ = saveRooms(s, rooms) // a short list again next start; nothing is lost
}

// storedHistoryRooms finds the rooms with stored history when the store can
// list its keys.
func storedHistoryRooms(s Store) []string {
	lister, ok := s.(KeyLister)
	if !ok {
		return nil
	}
	var rooms []string
	for _, key := range lister.Keys() {
		if room, ok := strings.CutPrefix(key, historyKeyPrefix); ok {
			rooms = append(rooms, room)
		}
	}
	slices.Sort(rooms)
	return rooms
}

// evictOldestRoom removes the stored history of the least recently opened
// room other than keep and reports whether there was one.
func evictOldestRoom(s Store, keep string) bool {
	rooms, _ := loadRooms(s)
	for i := len(rooms) - 1; i >= 0; i-- {
		if rooms[i] == keep {
			continue
		}
		s.Delete(historyKey(rooms[i]))
		_ = saveRooms(s, slices.Delete(rooms, i, i+1))
		return true
	}
	return false
}

// writeLocked runs write; while the store refuses it, it removes the history
// of the least recently opened other room and tries again.
func (c *Client) writeLocked(write func() error) error {
	err := write()
	for err != nil && evictOldestRoom(c.store, c.room) {
		c.storageFullLocked()
		err = write()
	}
	return err
}

// storageFullLocked tells the person, once per Client, that history was
// removed to make room.
func (c *Client) storageFullLocked() {
	if c.toldStorageFull {
		return
	}
	c.toldStorageFull = true
	c.addSystemLine(LineSystem, StorageFullText)
}
