package ui

import (
	"slices"
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
	ctx.Handle(actionForgetRoom, c.forgetRoom)
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

// inviteLink is the open private room's link, "" for a plain room.
func (c *ChatApp) inviteLink() string {
	if c.session == nil {
		return ""
	}
	p, ok := c.privateRooms[c.session.room]
	if !ok {
		return ""
	}
	u := app.Window().URL()
	return u.Scheme + "://" + u.Host + "/" + p.Fragment()
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

// forgetRoom removes a private room's key, history and outbox from this
// browser and opens the most recent other room. The client must have
// stopped first: it persists its history when Run returns.
func (c *ChatApp) forgetRoom(ctx app.Context, a app.Action) {
	id, ok := a.Value.(string)
	if _, known := c.privateRooms[id]; !ok || !known {
		return
	}
	var stopped <-chan struct{}
	if c.session != nil && c.session.room == id {
		stopped = c.session.done
		c.session.stop()
		c.session = nil
	}
	delete(c.privateRooms, id)
	c.updatePrefs(func(p *chat.Prefs) {
		p.Recent = slices.DeleteFunc(p.Recent, func(r string) bool { return r == id })
	})
	next := DefaultRoom
	if len(c.prefs.Recent) > 0 {
		next = c.prefs.Recent[0]
	}
	ctx.Async(func() {
		if stopped != nil {
			<-stopped
		}
		err := chat.ForgetPrivateRoom(c.store, id)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				c.notice = "Could not forget the room completely: " + err.Error()
			}
			ctx.Navigate("/" + c.roomFragment(next))
		})
	})
}
