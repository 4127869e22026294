package ui

import (
	"errors"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// RelaysEnv is the app environment variable (go-app's Handler.Env, read
// with app.Getenv) that carries the deployer's relay list, the site
// generator's -relays, into the PWA.
const RelaysEnv = "CHAT_RELAYS"

// DefaultRoom is opened when the URL names no room and none was visited.
const DefaultRoom = "lobby"

// Panels that slide in over the conversation on narrow screens.
const (
	panelNone   = ""
	panelRooms  = "rooms"
	panelPeople = "people"
)

// ChatApp is the whole screen. It follows the room in the URL fragment, owns
// the chat.Client of that room (through a session), and re-renders from the
// client's View.
type ChatApp struct {
	app.Compo

	mounted bool
	ctx     app.Context // ChatApp's own context: sessions outlive the child that started them
	store   chat.Store
	prefs   chat.Prefs
	// identity is this install's ckey (chat.Identity); prefs.CID is its
	// legacy alias.
	identity *chat.Identity
	// defaultRelays is the relay list without the person's override: the
	// deployer's (RelaysEnv), else the relay at the page's own origin.
	defaultRelays []string

	// sessions are the live rooms by relay room id (live-rooms.go), all on
	// transport's one connection per relay; session is the open one.
	sessions  map[string]*session
	transport *chat.SharedTransport
	session   *session
	view      chat.View
	now       time.Time // the clock the retry countdown is drawn at
	ticking   bool      // a countdown tick is scheduled

	hidden bool
	title  string
	// liveStarted: the recent rooms were started (after the first room).
	liveStarted bool

	panel  string
	notice string         // a message about the app itself (not the chat)
	invite *pendingInvite // a link's token that would replace a stored one

	removeListeners []func()

	// Private rooms (private-rooms.go): the known ones by relay room id,
	// and whether the invite link was just copied.
	privateRooms map[string]chat.PrivateRoom
	inviteCopied bool

	// Answers to the composer and the settings (their actions).
	sendsAnswered     int
	sendErr           string
	nickErr, relayErr string
	// heldSend is a send pressed before the store was open (onSend); start
	// sends it once the room's client exists (sendHeld).
	heldSend *string

	compose composeMode // replying or editing (message-threads.go)

	// Reading state (onView, followReading). divider is the key of the
	// line the "New messages" divider is above, "" for none, in the room
	// dividerRoom; scrolledUp: the message list is not at its bottom
	// (actionListAtBottom).
	divider, dividerRoom string
	scrolledUp           bool

	// What go-app reports about the PWA itself: a new version is waiting
	// (updateBanner), the browser offers to install it (installButton).
	updateAvailable, installable bool

	collection idleCollection
}

// OnMount opens the store, then starts. It runs only in a browser.
func (c *ChatApp) OnMount(ctx app.Context) {
	c.mounted = true
	c.ctx = ctx
	// The composer is usable from the first render, before the store is
	// open: a send meanwhile is held (onSend), not dropped as an action
	// nobody handles, which left the text in the box with no answer.
	ctx.Handle(actionSend, c.onSend)
	// Either may have been reported before the wasm ran.
	c.updateAvailable = ctx.AppUpdateAvailable()
	c.installable = ctx.IsAppInstallable()
	// IndexedDB answers only asynchronously: it is opened off the UI
	// goroutine, which keeps rendering meanwhile.
	ctx.Async(func() {
		store := newStore()
		ctx.Dispatch(func(ctx app.Context) {
			if c.mounted && c.store == nil {
				c.start(ctx, store)
			}
		})
	})
}

// start loads the person's prefs from store, wires the browser's
// connectivity and visibility events and opens the room of the URL.
func (c *ChatApp) start(ctx app.Context, store chat.Store) {
	c.store = store
	c.prefs = chat.LoadPrefs(c.store, nil)
	c.identity = chat.LoadIdentity(c.store, c.prefs.CID, nil)
	c.loadPrivateRooms()
	c.handlePrivateRoomActions(ctx)
	c.handleThreadActions(ctx)
	c.defaultRelays = defaultRelays(app.Getenv(RelaysEnv), app.Window().URL().String())
	c.hidden = !pageVisible()
	c.now = time.Now()

	c.removeListeners = append(c.removeListeners,
		// The browser knows the network is back before any backoff timer does.
		listen(app.Window(), "online", func() {
			ctx.Dispatch(func(ctx app.Context) { c.retryNow() })
		}),
		listen(app.Window().Get("document"), "visibilitychange", func() {
			visible := pageVisible()
			ctx.Dispatch(func(ctx app.Context) { c.setVisible(ctx, visible) })
		}),
		// Another tab or window of the app changed the shared store:
		// localStorage tells through the storage event, IndexedDB through
		// the store's own BroadcastChannel.
		listenStorage(func(key string) {
			ctx.Dispatch(func(ctx app.Context) { c.storeChanged(ctx, key) })
		}),
	)
	if w, ok := c.store.(chat.Watcher); ok {
		c.removeListeners = append(c.removeListeners, w.Watch(func(key string) {
			ctx.Dispatch(func(ctx app.Context) { c.storeChanged(ctx, key) })
		}))
	}
	requestPersistentStorage()
	ctx.Handle(actionRetryMessage, c.onFailedMessage)
	ctx.Handle(actionDeleteMessage, c.onFailedMessage)
	ctx.Handle(actionCancelMessage, c.onFailedMessage)
	ctx.Handle(actionHideText, c.onHideText)
	ctx.Handle(actionDraft, c.onDraft)
	ctx.Handle(actionTogglePanel, c.onTogglePanel)
	ctx.Handle(actionRetryNow, func(ctx app.Context, a app.Action) { c.retryNow() })
	ctx.Handle(actionSetNick, c.onSetNick)
	ctx.Handle(actionSetNotify, c.onSetNotify)
	ctx.Handle(actionSetRelay, c.onSetRelay)
	ctx.Handle(actionListAtBottom, c.onListAtBottom)
	ctx.Handle(actionSetReadReceipts, c.onSetReadReceipts)
	c.followURL(ctx)
	c.sendHeld()
}

// onFailedMessage retries or deletes a message the relay refused for good,
// or cancels one still queued.
func (c *ChatApp) onFailedMessage(ctx app.Context, a app.Action) {
	key, _ := a.Value.(string)
	if c.session == nil {
		return
	}
	do := c.session.client.Retry
	switch a.Name {
	case actionDeleteMessage:
		do = c.session.client.Delete
	case actionCancelMessage:
		do = c.session.client.Cancel
	}
	if err := do(key); err != nil {
		c.notice = "Could not change that message: " + err.Error()
	}
}

// storeChanged follows what another tab or window stored: new prefs (a
// token, a room, the nickname, a mute) and the live rooms' outboxes and
// histories.
func (c *ChatApp) storeChanged(ctx app.Context, key string) {
	if key == "" || key == chat.PrefsKey {
		c.prefs = chat.LoadPrefs(c.store, nil)
		// A token stored elsewhere for a live room (say, after "access
		// denied" here) reconnects it with that token.
		for room, s := range c.sessions {
			if s.token == c.prefs.Tokens[room] {
				continue
			}
			if s == c.session {
				c.openRoom(ctx, room)
			} else {
				c.stopRoom(room)
			}
		}
		for _, s := range c.sessions {
			if c.prefs.Nick != s.view.Nick && s.view.Nick != "" {
				_ = s.client.SetNick(c.prefs.Nick) // valid: another tab's SetNick accepted it
			}
		}
		c.syncLiveRooms(ctx)
	}
	if chat.IsStoreKey(key) {
		for _, s := range c.sessions {
			s.client.StoreChanged(key)
		}
	}
}

// onHideText stores the "hide message text" setting (a bool).
func (c *ChatApp) onHideText(ctx app.Context, a app.Action) {
	if hide, ok := a.Value.(bool); ok && hide != c.prefs.HideText {
		c.updatePrefs(func(p *chat.Prefs) { p.HideText = hide })
	}
}

// OnNav follows the URL: a new fragment is a new room.
func (c *ChatApp) OnNav(ctx app.Context) {
	// go-app also navigates while rendering on the server, where there is no
	// window to read and no client to start.
	if !c.mounted || c.store == nil {
		return // start follows the URL once the store is open
	}
	c.followURL(ctx)
}

// OnDismount stops the client: app.Context is never cancelled on dismount.
func (c *ChatApp) OnDismount() {
	c.stopAllRooms()
	for _, remove := range c.removeListeners {
		remove()
	}
	c.removeListeners = nil
	c.mounted = false
}

// followURL opens the room named by the fragment, storing an invite token it
// carries and removing the token from the address bar.
func (c *ChatApp) followURL(ctx app.Context) {
	fragment := app.Window().URL().EscapedFragment()
	// A private room's link; a damaged one must never open the plain room
	// of the same name.
	if private, isInvite, err := chat.ParseInvite(fragment); isInvite {
		if err == nil {
			c.followInvite(ctx, private)
			return
		}
		c.notice = err.Error()
		fragment = ""
	}
	room, token := chat.ParseFragment(fragment)
	if room == "" && fragment != "" {
		c.notice = "That link does not name a valid room; opened the last one instead."
	}
	switch inviteFor(c.prefs.Tokens[room], token) {
	case inviteStore:
		c.storeToken(room, token)
	case inviteAsk:
		c.invite = &pendingInvite{room: room, token: token}
	}
	if room == "" {
		room = DefaultRoom
		if len(c.prefs.Recent) > 0 {
			room = c.prefs.Recent[0]
		}
	}
	if private, ok := c.privateRooms[room]; ok {
		c.followInvite(ctx, private)
		return
	}
	if canonical := RoomFragment(room); "#"+fragment != canonical {
		replaceFragment(canonical)
	}
	// A new invite for the open room (say, after "access denied") reconnects
	// with its token.
	if c.session != nil && c.session.room == room && c.session.token == c.prefs.Tokens[room] {
		return
	}
	c.openRoom(ctx, room)
}

func (c *ChatApp) storeToken(room, token string) {
	c.updatePrefs(func(p *chat.Prefs) { p.SetToken(room, token) })
}

// replaceInvite stores the token the person agreed to and reconnects with it.
func (c *ChatApp) replaceInvite(ctx app.Context, e app.Event) {
	if c.invite == nil {
		return
	}
	invite := *c.invite
	c.invite = nil
	c.storeToken(invite.room, invite.token)
	if c.session != nil && c.session.room == invite.room {
		c.openRoom(ctx, invite.room)
	}
}

func (c *ChatApp) keepInvite(ctx app.Context, e app.Event) { c.invite = nil }

// scheduleTick redraws the "retrying in Ns" countdown each time its number
// changes, only while offline.
func (c *ChatApp) scheduleTick(ctx app.Context) {
	if c.ticking || c.view.State != chat.StateOffline {
		return
	}
	remaining := c.view.RetryAt.Sub(time.Now())
	if remaining <= 0 {
		return
	}
	delay := remaining % time.Second
	if delay == 0 {
		delay = time.Second
	}
	c.ticking = true
	ctx.After(delay, func(ctx app.Context) {
		c.ticking = false
		c.now = time.Now()
		c.scheduleTick(ctx)
	})
}

// followReading keeps the reading state of the open room: it marks the
// lines read while the person can see the newest of them (the page visible
// and the list at its bottom, as the list reports it), and places the "New
// messages" divider above the first unread line when the room opens, when
// the page becomes visible (shown), and when lines arrive that the person
// does not see (hidden, or scrolled up). It is captured then and kept: the
// MarkRead that follows would otherwise take it away at once. Sending, or
// another room, clears it.
func (c *ChatApp) followReading(shown bool) {
	v := c.view
	switch {
	case v.RoomID != c.dividerRoom:
		c.dividerRoom, c.divider, c.scrolledUp = v.RoomID, v.FirstUnread, false
	case shown && v.FirstUnread != "":
		c.divider = v.FirstUnread
	case c.divider == "" && (c.hidden || c.scrolledUp):
		c.divider = v.FirstUnread
	}
	if c.session != nil && !c.hidden && !c.scrolledUp {
		c.session.client.MarkRead()
		// The lines this view counted are read now, as the client's next
		// View will say. Without this the title and the room list would
		// count each batch of a flood the person reads along with ("(2)",
		// "(3)", …), and change the title at every render.
		c.view.Unread, c.view.Mentions = 0, 0
		c.session.view.Unread, c.session.view.Mentions = 0, 0
	}
}

// onListAtBottom follows the message list's scroll position (a bool: at
// the bottom): coming back to the bottom reads what is there.
func (c *ChatApp) onListAtBottom(ctx app.Context, a app.Action) {
	atBottom, _ := a.Value.(bool)
	c.scrolledUp = !atBottom
	c.followReading(false)
}

// onSetReadReceipts stores whether read receipts are sent (a bool) and
// tells the client, which reads it from the prefs.
func (c *ChatApp) onSetReadReceipts(ctx app.Context, a app.Action) {
	on, ok := a.Value.(bool)
	if !ok || on == c.prefs.SendReadReceipts() {
		return
	}
	c.updatePrefs(func(p *chat.Prefs) { p.NoReadReceipts = !on })
	for _, s := range c.sessions {
		s.client.StoreChanged(chat.PrefsKey)
	}
}

// relays is the failover list to use: the person's override, else the
// default.
func (c *ChatApp) relays() []string {
	if relays, err := chat.ParseRelays(c.prefs.Relay); err == nil && len(relays) > 0 {
		return relays
	}
	return c.defaultRelays
}

// defaultRelays is the deployer's list, else the relay at the page's origin.
func defaultRelays(deployed, pageURL string) []string {
	// The generator validated the list; a broken one falls back to the origin.
	if relays, err := chat.ParseRelays(deployed); err == nil && len(relays) > 0 {
		return relays
	}
	return []string{chat.DefaultRelay(pageURL)}
}

// updatePrefs changes the stored prefs with a read-modify-write of just what
// changed (other tabs and windows write them too) and shows the result.
func (c *ChatApp) updatePrefs(change func(*chat.Prefs)) {
	var err error
	if c.prefs, err = chat.UpdatePrefs(c.store, change, nil); err != nil {
		c.notice = "Could not save your settings: " + err.Error()
	}
}

// onSend sends the composer's text and answers with the refusal, if any.
// Before the store is open there is no room's client to take it: the text
// is held, unanswered, so that it stays in the box until start sends it
// (sendHeld); the box keeps it if the page closes meanwhile.
func (c *ChatApp) onSend(ctx app.Context, a app.Action) {
	text, _ := a.Value.(string)
	if c.store == nil {
		c.heldSend = &text
		return
	}
	c.answerSend(text)
}

// sendHeld sends what was held by onSend before the store was open, and
// answers the composer.
func (c *ChatApp) sendHeld() {
	if c.heldSend == nil {
		return
	}
	text := *c.heldSend
	c.heldSend = nil
	c.answerSend(text)
}

// answerSend sends text from the composer and answers it: Error is why it
// was refused, "" when the room's client took it.
func (c *ChatApp) answerSend(text string) {
	c.sendErr = ""
	c.divider = "" // what I answer to is read
	if err := c.send(text); err != nil && !errors.Is(err, chat.ErrEmpty) {
		c.sendErr = err.Error()
	}
	c.sendsAnswered++
}

// onDraft tells the room I am typing. Nothing on screen changes: no render
// of the whole app per keystroke.
func (c *ChatApp) onDraft(ctx app.Context, a app.Action) {
	ctx.PreventUpdate()
	if draft, ok := a.Value.(string); ok && c.session != nil {
		c.session.client.DraftChanged(draft)
	}
}

func (c *ChatApp) onSetNick(ctx app.Context, a app.Action) {
	nick, _ := a.Value.(string)
	c.nickErr = ""
	if err := c.setNick(ctx, nick); err != nil {
		c.nickErr = err.Error()
	}
}

func (c *ChatApp) onSetNotify(ctx app.Context, a app.Action) {
	on, _ := a.Value.(bool)
	c.setNotify(ctx, on)
}

func (c *ChatApp) onSetRelay(ctx app.Context, a app.Action) {
	relay, _ := a.Value.(string)
	c.relayErr = ""
	if err := c.setRelay(ctx, relay); err != nil {
		c.relayErr = err.Error()
	}
}

func (c *ChatApp) send(text string) error {
	if c.session == nil {
		return errors.New("not ready yet")
	}
	return c.sendComposed(text)
}

func (c *ChatApp) setNick(ctx app.Context, nick string) error {
	if c.session == nil {
		return errors.New("not ready yet")
	}
	// Enter both submits the form and fires change: rename once.
	if nick == c.prefs.Nick {
		return nil
	}
	if err := c.session.client.SetNick(nick); err != nil {
		return err
	}
	for _, s := range c.sessions {
		_ = s.client.SetNick(nick) // valid: the open room's client accepted it
	}
	c.updatePrefs(func(p *chat.Prefs) { p.Nick = nick })
	return nil
}

// setRelay stores the person's relay list (empty: the default) and
// reconnects with it.
func (c *ChatApp) setRelay(ctx app.Context, list string) error {
	relays, err := chat.ParseRelays(list)
	if err != nil {
		return err
	}
	joined := strings.Join(relays, ", ")
	// Enter both submits the form and fires change: reconnect once.
	if joined == c.prefs.Relay {
		return nil
	}
	c.updatePrefs(func(p *chat.Prefs) { p.Relay = joined })
	if c.session != nil {
		open := c.session.room
		c.stopAllRooms()
		c.openRoom(ctx, open)
	}
	return nil
}

func (c *ChatApp) setNotify(ctx app.Context, on bool) {
	if !on {
		c.updatePrefs(func(p *chat.Prefs) { p.Notify = false })
		return
	}
	switch ctx.Notifications().Permission() {
	case app.NotificationGranted:
		c.updatePrefs(func(p *chat.Prefs) { p.Notify = true })
	case app.NotificationNotSupported:
		c.notice = "This browser cannot show notifications."
	case app.NotificationDenied:
		c.notice = "Notifications are blocked for this site in the browser's settings."
	default:
		// RequestPermission waits for the person's answer: not on the UI
		// goroutine.
		ctx.Async(func() {
			permission := ctx.Notifications().RequestPermission()
			ctx.Dispatch(func(ctx app.Context) {
				if permission == app.NotificationGranted {
					c.updatePrefs(func(p *chat.Prefs) { p.Notify = true })
					return
				}
				c.notice = "Notifications were not allowed."
			})
		})
	}
}

// onTogglePanel opens the panel of the action's value, or closes it when
// it is the open one.
func (c *ChatApp) onTogglePanel(ctx app.Context, a app.Action) {
	panel, _ := a.Value.(string)
	if c.panel == panel {
		c.panel = panelNone
		return
	}
	c.panel = panel
}

func (c *ChatApp) closePanel(ctx app.Context, e app.Event) { c.panel = panelNone }

// onKeyDown closes an open panel on Escape; every other key is the
// composer's or a field's business and must not re-render the screen.
func (c *ChatApp) onKeyDown(ctx app.Context, e app.Event) {
	if c.panel == panelNone || e.Get("key").String() != "Escape" {
		ctx.PreventUpdate()
		return
	}
	c.panel = panelNone
}

func (c *ChatApp) dismissNotice(ctx app.Context, e app.Event) { c.notice = "" }

// Render lays out the screen from three parts that get values (their
// components send actions): Topbar, Sidebar (rooms and settings; both
// skipped while their values are unchanged) and conversation, with the
// people in the room on the right. On narrow screens the side panels slide
// in over the conversation (web/app.css). Elements that come and go are
// last among their siblings: go-app diffs children by position, so a
// conditional element in front would remount everything after it.
func (c *ChatApp) Render() app.UI {
	v := c.view
	room := v.Room
	if room == "" && c.session != nil {
		room = c.session.room
	}
	return app.Elem("div").Class("shell").DataSet("panel", c.panel).OnKeyDown(c.onKeyDown).Body(
		updateBanner(c.updateAvailable),
		&Topbar{
			Room: room, Private: v.Private,
			State: v.State, Relay: v.Relay, Detail: v.Detail, RetryAt: v.RetryAt, Now: countdownClock(v.State, c.now),
			Members: len(v.Members), Panel: c.panel, Installable: c.installable,
		},
		&Sidebar{
			RoomID: v.RoomID, Recent: c.prefs.Recent, Private: c.privateRooms, Activity: c.activity(),
			Nick: c.nick(), Notify: c.prefs.Notify, HideText: c.prefs.HideText,
			Relay: c.prefs.Relay, DefaultRelay: strings.Join(c.defaultRelays, ", "),
			NickError: c.nickErr, RelayError: c.relayErr, ReadReceipts: c.prefs.SendReadReceipts(),
		},
		conversation{
			Room: room, Lines: v.Lines, Divider: c.divider, Typing: v.Typing, MaxText: v.MaxText, State: v.State, Detail: v.Detail,
			SendsAnswered: c.sendsAnswered, SendError: c.sendErr, ComposeMode: c.compose.banner,
			Nicks: memberNicks(v.Members), Me: v.Nick,
		}.render(),
		app.Elem("aside").ID("people").Class("people").Aria("label", "People in this room").Body(
			&RoomInfo{
				Room: room, Private: v.Private, Muted: c.prefs.IsMuted(v.RoomID), RoomID: v.RoomID, SafetyCode: v.SafetyCode, Members: v.Members,
				Undecryptable: v.Undecryptable, Unverified: v.Unverified,
				Invite: c.inviteLink(), Copied: c.inviteCopied,
			},
			presenceList{Members: v.Members, People: v.People}.render(),
		),
		app.Elem("div").Class("scrim").Aria("hidden", "true").OnClick(c.closePanel),
		when(c.invite != nil, func() app.UI {
			return invitePrompt(c.invite.room, c.replaceInvite, c.keepInvite)
		}),
		when(c.notice != "", func() app.UI {
			return app.Elem("div").ID("notice").Class("notice").Role("alert").Body(
				app.Elem("span").Text(c.notice),
				app.Elem("button").Class("icon-button small").Attr("type", "button").Aria("label", "Dismiss").Text("×").OnClick(c.dismissNotice),
			)
		}),
	)
}

// nick is the nickname to show: the client's once it runs, else the prefs'.
func (c *ChatApp) nick() string {
	if c.view.Nick != "" {
		return c.view.Nick
	}
	return strings.TrimSpace(c.prefs.Nick)
}

// partRenders counts the renders of the sidebar and the top bar, for the
// test that holds them to the changes they show.
var partRenders struct{ sidebar, topbar int }
