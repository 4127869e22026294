package chat

import (
	"slices"

	"github.com/chatpwa/chat/relay/wire"
)

// A person lives in several rooms at once: the page keeps a Client running
// for the open room and for every recent one (at most MaxRecentRooms), all
// on one SharedTransport, so that the sidebar counts what is unread in each,
// notifications come from all of them, and switching rooms shows a history
// that is already there. This file is the bookkeeping around those clients
// that needs no browser.

// LiveRooms are the rooms to keep running: the open one first, then the
// recent ones, at most MaxRecentRooms, without duplicates or invalid names.
func LiveRooms(recent []string, open string) []string {
	live := make([]string, 0, MaxRecentRooms)
	for _, room := range append([]string{open}, recent...) {
		if wire.ValidRoom(room) && !slices.Contains(live, room) && len(live) < MaxRecentRooms {
			live = append(live, room)
		}
	}
	return live
}

// RoomActivity is what the sidebar and the title show of one room.
type RoomActivity struct {
	_ noCompare

	Unread   int  // messages from others not read yet
	Mentions int  // of those, the ones that mention me
	Muted    bool // the person muted the room
}

// TitleCount is the number the page title shows: unread messages of every
// room that is not muted, and the mentions of muted ones.
func TitleCount(rooms map[string]RoomActivity) int {
	n := 0
	for _, r := range rooms {
		if r.Muted {
			n += r.Mentions
		} else {
			n += r.Unread
		}
	}
	return n
}

// ShouldNotify decides whether new messages of a room are worth a
// notification: never for the room the person is looking at, and in a muted
// room only when one of them mentions me.
func ShouldNotify(looking, muted, mentionsMe bool) bool {
	return !looking && (!muted || mentionsMe)
}

// IsMuted reports whether the person muted room.
func (p *Prefs) IsMuted(room string) bool { return slices.Contains(p.Muted, room) }

// SetMuted mutes or unmutes room.
func (p *Prefs) SetMuted(room string, muted bool) {
	p.Muted = slices.DeleteFunc(p.Muted, func(r string) bool { return r == room })
	if muted && wire.ValidRoom(room) {
		p.Muted = append(p.Muted, room)
	}
}

// Forget drops room from the recent rooms, its token and its mute; ForgetRoom
// removes what the Store keeps of it.
func (p *Prefs) Forget(room string) {
	p.Recent = slices.DeleteFunc(p.Recent, func(r string) bool { return r == room })
	p.SetMuted(room, false)
	delete(p.Tokens, room)
}

// ForgetRoom removes the history, the outbox (queued messages included:
// leaving a room is the person's choice) and the read mark of the room with
// relay room id id.
// Its Client must have stopped: it persists its history when Run returns.
func ForgetRoom(s Store, id string) {
	s.Delete(historyKey(id))
	s.Delete(outboxKey(id))
	s.Delete(readMarkKey(id))
	if rooms, ok := loadRooms(s); ok {
		_ = saveRooms(s, slices.DeleteFunc(rooms, func(r string) bool { return r == id })) // a stale entry only costs a lookup
	}
}
