package ui

import (
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// Every recent room is live (chat.LiveRooms): ChatApp runs a session for the
// open room and for each recent one, all on one chat.SharedTransport, so one
// WebSocket per relay carries them. The sidebar counts each room's unread
// messages, notifications come from every room, and switching rooms shows a
// history that is already there.

// liveRoomsDelay lets the open room render and connect first: the other
// rooms load their histories and join after it, one every liveRoomsStagger,
// so that loading 15 histories never holds the page for long at once.
const (
	liveRoomsDelay   = 300 * time.Millisecond
	liveRoomsStagger = 40 * time.Millisecond
)

// openRoom makes room the open one, starting its session unless it is live
// already (with the same token: a new one reconnects it).
func (c *ChatApp) openRoom(ctx app.Context, room string) {
	c.updatePrefs(func(p *chat.Prefs) { p.Visit(room) })
	s := c.sessions[room]
	if s != nil && s.token != c.prefs.Tokens[room] {
		c.stopRoom(room)
		s = nil
	}
	if s == nil {
		s = c.startRoom(room)
		// Let the new client's goroutines run now, up to the sub it sends
		// the relay: otherwise they wait for this handler and the render
		// it causes, while the relay could already be replaying the
		// room's history (most of opening a room from the relay).
		runtime.Gosched()
	}
	if c.session != nil && c.session != s {
		c.session.client.SetVisible(false)
	}
	c.session = s
	s.client.SetVisible(!c.hidden)
	c.panel = panelNone
	// The client shows the room's stored history at once, before any network.
	c.onView(ctx, s, s.client.View())
	if !c.liveStarted {
		c.liveStarted = true
		ctx.After(liveRoomsDelay, c.syncLiveRooms)
		return
	}
	c.syncLiveRooms(ctx)
}

// startRoom starts the session of room, hidden until it is opened.
func (c *ChatApp) startRoom(room string) *session {
	if c.sessions == nil {
		c.sessions = map[string]*session{}
	}
	if c.transport == nil {
		c.transport = chat.NewSharedTransport(chat.NewWebSocketTransport(), nil)
	}
	opts := chat.Options{
		Relays:     c.relays(),
		Room:       room,
		CID:        c.prefs.CID,
		Identity:   c.identity,
		Nick:       c.prefs.Nick,
		Token:      c.prefs.Tokens[room],
		Transport:  c.transport,
		Store:      c.store,
		OutboxLock: outboxLock(room),
	}
	if private, ok := c.privateRooms[room]; ok {
		opts.Private = &private
	}
	s := startSession(c.ctx, opts, c.onView)
	s.client.SetVisible(false)
	c.sessions[room] = s
	return s
}

// syncLiveRooms stops the rooms that are no longer recent (forgotten here
// or in another tab) and starts the next recent room that is not live,
// coming back for the one after it.
func (c *ChatApp) syncLiveRooms(ctx app.Context) {
	if !c.mounted || c.session == nil {
		return
	}
	live := chat.LiveRooms(c.prefs.Recent, c.session.room)
	for room := range c.sessions {
		if !slices.Contains(live, room) {
			c.stopRoom(room)
		}
	}
	for _, room := range live {
		if c.sessions[room] == nil {
			s := c.startRoom(room)
			s.view = s.client.View()
			ctx.After(liveRoomsStagger, c.syncLiveRooms)
			return
		}
	}
}

// stopRoom ends room's session; done is closed once its client has persisted.
func (c *ChatApp) stopRoom(room string) (done <-chan struct{}) {
	s := c.sessions[room]
	if s == nil {
		return nil
	}
	s.stop()
	delete(c.sessions, room)
	if c.session == s {
		c.session = nil
	}
	return s.done
}

func (c *ChatApp) stopAllRooms() {
	for room := range c.sessions {
		c.stopRoom(room)
	}
}

// onView applies a new View of a live room: the open room's is the screen;
// every room's counts toward the sidebar, the title and notifications.
func (c *ChatApp) onView(ctx app.Context, s *session, v chat.View) {
	if c.sessions[s.room] != s {
		return // stopped meanwhile
	}
	s.view = v
	c.notify(ctx, s, s.notifier.fresh(v.Lines))
	if s == c.session {
		c.view = v
		c.now = time.Now()
		c.followReading(false)
		c.scheduleTick(ctx)
		c.collection.after(v.State == chat.StateOnline)
	}
	c.setTitle(ctx)
}

// activity is what the sidebar and the title show of every live room.
func (c *ChatApp) activity() map[string]chat.RoomActivity {
	rooms := make(map[string]chat.RoomActivity, len(c.sessions))
	for room, s := range c.sessions {
		rooms[room] = chat.RoomActivity{Unread: s.view.Unread, Mentions: s.view.Mentions, Muted: c.prefs.IsMuted(room)}
	}
	return rooms
}

func (c *ChatApp) setVisible(ctx app.Context, visible bool) {
	c.hidden = !visible
	if c.session != nil {
		c.session.client.SetVisible(visible)
		c.followReading(visible)
	}
	if visible {
		// A tab in the background may have been frozen; check the link now.
		c.retryNow()
	}
	c.setTitle(ctx)
}

func (c *ChatApp) retryNow() {
	for _, s := range c.sessions {
		s.client.RetryNow()
	}
}

func (c *ChatApp) setTitle(ctx app.Context) {
	title := pageTitle(c.view.Room, chat.TitleCount(c.activity()))
	if title != c.title {
		c.title = title
		ctx.Page().SetTitle(title)
	}
}

// notify shows one notification for the new messages of a room, when the
// person opted in and is not looking at that room, and in a muted room only
// for a mention.
func (c *ChatApp) notify(ctx app.Context, s *session, news []chat.Line) {
	if len(news) == 0 || !c.prefs.Notify ||
		ctx.Notifications().Permission() != app.NotificationGranted {
		return
	}
	mentioned := false
	for i := range news {
		if chat.Mentions(news[i].Text, s.view.Nick) {
			mentioned = true
			break
		}
	}
	looking := s == c.session && !c.hidden
	if !chat.ShouldNotify(looking, c.prefs.IsMuted(s.room), mentioned) {
		return
	}
	ctx.Notifications().New(notification(s.view.Room, c.roomFragment(s.room), news, c.prefs.HideText))
}

// onMuteRoom mutes or unmutes the room of the action's value.
func (c *ChatApp) onMuteRoom(ctx app.Context, a app.Action) {
	room, _ := a.Value.(string)
	muted := c.prefs.IsMuted(room)
	c.updatePrefs(func(p *chat.Prefs) { p.SetMuted(room, !muted) })
	c.setTitle(ctx)
}

// onForgetRoom leaves a room for good after the person confirmed: its
// history, queued messages, token and key (a private room's) are removed
// from this browser, and the most recent other room opens.
func (c *ChatApp) onForgetRoom(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	if id == "" || !app.Window().Call("confirm", "Leave this room? Its history and unsent messages are removed from this browser.").Bool() {
		return
	}
	stopped := c.stopRoom(id)
	_, private := c.privateRooms[id]
	delete(c.privateRooms, id)
	c.updatePrefs(func(p *chat.Prefs) { p.Forget(id) })
	next := DefaultRoom
	if len(c.prefs.Recent) > 0 {
		next = c.prefs.Recent[0]
	}
	ctx.Async(func() {
		if stopped != nil {
			<-stopped
		}
		var err error
		if private {
			err = chat.ForgetPrivateRoom(c.store, id)
		} else {
			chat.ForgetRoom(c.store, id)
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				c.notice = "Could not forget the room completely: " + err.Error()
			}
			ctx.Navigate("/" + c.roomFragment(next))
		})
	})
}

// inviteLink is the open room's link: a private room's carries its key, a
// plain room's its token when it has one.
func (c *ChatApp) inviteLink() string {
	if c.session == nil {
		return ""
	}
	u := app.Window().URL()
	link := u.Scheme + "://" + u.Host + "/" + c.roomFragment(c.session.room)
	if token := c.prefs.Tokens[c.session.room]; token != "" && !strings.Contains(link, "token=") {
		if _, private := c.privateRooms[c.session.room]; !private {
			link += "&token=" + token
		}
	}
	return link
}
