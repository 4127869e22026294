package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// How ChatApp opens, shares and forgets private rooms (chat.PrivateRoom).
// A private room is followed by its link like any room; its relay room id
// stands for it in Prefs.Recent, and its key is stored next to it under
// chat.PrivateRoomsKey.

// copiedFor is how long "Copied ✓" shows after copying an invite link.
const copiedFor = 2 * time.Second

// loadPrivateRooms reads the private rooms this browser knows, by relay room id.
func (c *ChatApp) loadPrivateRooms() {
	c.privateRooms = map[string]chat.PrivateRoom{}
	for _, p := range chat.LoadPrivateRooms(c.store) {
		c.privateRooms[p.RoomID()] = p
	}
}

// handlePrivateRoomActions registers RoomInfo's actions.
func (c *ChatApp) handlePrivateRoomActions(ctx app.Context) {
	ctx.Handle(actionCopyInvite, c.copyInvite)
	ctx.Handle(actionForgetRoom, c.onForgetRoom)
	ctx.Handle(actionMuteRoom, c.onMuteRoom)
}

// followInvite opens the private room p of an invite link, storing its key
// (and a new name for a known key: the latest link wins).
func (c *ChatApp) followInvite(ctx app.Context, p chat.PrivateRoom) {
	id := p.RoomID()
	if known, ok := c.privateRooms[id]; !ok || known != p {
		if err := chat.SavePrivateRoom(c.store, p); err != nil {
			c.notice = "Could not store this private room's key; it will be forgotten on reload: " + err.Error()
		}
		c.privateRooms[id] = p
	}
	if "#"+app.Window().URL().EscapedFragment() != p.Fragment() {
		replaceFragment(p.Fragment())
	}
	if c.session != nil && c.session.room == id {
		return
	}
	c.openRoom(ctx, id)
}

// roomFragment is the fragment that opens room: its invite for a private one.
func (c *ChatApp) roomFragment(room string) string {
	if p, ok := c.privateRooms[room]; ok {
		return p.Fragment()
	}
	return RoomFragment(room)
}

func (c *ChatApp) copyInvite(ctx app.Context, a app.Action) {
	link := c.inviteLink()
	if link == "" {
		return
	}
	// The link also shows in #invite-link, for browsers that refuse the
	// clipboard (no permission, not a secure context).
	if clipboard := app.Window().Get("navigator").Get("clipboard"); clipboard.Truthy() {
		clipboard.Call("writeText", link)
	}
	c.inviteCopied = true
	ctx.After(copiedFor, func(ctx app.Context) { c.inviteCopied = false })
}
