package chat

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Options configure a Client. Zero values mean the defaults noted.
type Options struct {
	// Relays are the relay WebSocket URLs without query, e.g.
	// "ws://localhost:8080/ws", in order of preference: the client starts on
	// the first and moves to the next, round robin, after
	// DefaultFailoverAttempts failed attempts in a row (see failover.go).
	// ParseRelays reads them from a person's or a deployer's list.
	Relays []string
	// Room is the room to join; CID this client's stable id (Prefs.CID).
	Room, CID string
	// Nick is the nickname announced with meta.
	Nick string
	// Identity, when set, names this client with its key (ckey=) and
	// decides when a room moves from the legacy CID to it (see Identity);
	// CID is then unused. nil: the client connects with cid=CID.
	Identity *Identity
	// Token is the room's invite token, sent as token= when set.
	Token string
	// Transport dials the relay; nil means NewWebSocketTransport.
	Transport Transport
	// Store keeps history and outbox; nil means NewMemoryStore (nothing survives).
	Store Store
	// Clock drives every timer; nil means real time.
	Clock Clock
	// Rand returns values in [0,1) for jitter and ids; nil means math/rand/v2.
	Rand func() float64
	// OutboxLock, when set, is held by the connection that sends the
	// outbox, so that of several tabs sharing Store only one sends (see
	// lock.go; WebLock in the browser). nil: this client always sends.
	OutboxLock OutboxLock

	// Private, when set, makes this a private room (private_client.go):
	// Room is ignored for Private.RoomID(), everything written is sealed
	// and signed, everything received opened and verified.
	Private *PrivateRoom
	// SigningKey signs in a private room; nil means LoadSigningKey(Store).
	SigningKey *SigningKey
}

// Client is the chat client of one room. Create it with New (which shows the
// persisted history at once), then call Run once in its own goroutine. All
// methods are safe to call from any goroutine.
type Client struct {
	room, cid, token string
	identity         *Identity // nil: cid= only
	transport        Transport
	store            Store
	outboxLock       OutboxLock
	clock            Clock
	rand             func() float64

	changed chan struct{} // capacity 1: coalesces bursts of changes
	retry   chan struct{} // capacity 1: RetryNow's request to skip the wait

	mu         sync.Mutex
	failover   *failover // which relay the next attempt dials
	nick       string
	state      ConnState
	retryAt    time.Time
	detail     string
	maxMessage int
	// visible: the person can see the room (SetVisible); MarkRead does
	// nothing while not.
	visible bool

	history      []storedMessage     // persisted, oldest first, at most MaxHistory
	threads      *threads            // the references among history (threads.go)
	seen         map[string]struct{} // keys of history, for dedup by (cid, id)
	lastSeq      uint64              // for since=; in the seq space named by epoch
	epoch        string              // the relay's seq epoch of lastSeq, "" when unknown
	historyDirty bool
	stopPersist  func() bool // the pending coalesced history write, nil if none
	lastPersist  time.Time   // when history was last written, zero before the first write
	// historyRaw is the room's stored history as this Client last wrote
	// or read it. While the Store holds exactly that, no other tab wrote
	// it since: a write has nothing to merge in, and nothing to decode.
	historyRaw string
	// outboxChanges are this tab's outbox changes the store refused (quota),
	// applied again with the next change and by Flush (see outbox.go).
	outboxChanges []outboxChange
	// toldStorageFull: StorageFullText was shown (budget.go).
	toldStorageFull bool

	timeline  []Line         // delivered messages and system lines, oldest first
	outbox    []*outboxEntry // my undelivered messages, in send order
	holdUntil time.Time      // no pub before this (after rate_limited/unavailable)
	idCounter uint64
	lineCount uint64 // numbers system line keys

	// onWait, nil outside tests, learns under mu when Run starts (true) and
	// stops (false) waiting for a backoff timer or RetryNow. Whatever ends
	// the wait reports false before Run can act on it, so a test that sees
	// true knows no dial is due without further input.
	onWait func(waiting bool)

	sess    *session           // the current connection, nil when none
	myConn  string             // my conn id on the current connection
	members map[string]*member // by conn, me included
	// people is the room's member count the relay reports in a big room,
	// where members holds only the relay's bounded list; 0: members is
	// the whole room (see PROTOCOL.md, "Big rooms").
	people       int
	pendingJoins map[string]func() bool
	typingOut    *typingSender // when I say I am typing (typing.go)
	typing       *typists      // who else is typing

	// The read mark and what it leaves unread (read_mark.go).
	readMark        ReadMark
	readDirty       bool        // moved since the last write
	stopReadPersist func() bool // the pending coalesced write, nil if none
	lastReadPersist time.Time   // when the mark was last written
	unread          Unread      // CountUnread of View's lines, valid unless unreadStale
	firstUnread     string      // the key of unread.First's line
	unreadFrom      string      // the key of the first line it was counted over
	unreadStale     bool        // the lines, the mark or my nick changed since

	// Read receipts (read_receipts_client.go).
	receipts       bool        // the person allows them (Prefs.SendReadReceipts)
	readSaid       readPoint   // what I last said
	readSaidAt     time.Time   // when, zero before the first
	readAgain      bool        // the next one is due even if unchanged
	stopReadSignal func() bool // the pending coalesced one, nil if none
	readers        readers     // how far others read
	loadedEpoch    string      // the epoch the stored history had at New

	// Private rooms (private_client.go); a plain room has plainPayload,
	// name == room and no signer.
	payload   payload
	name      string            // the room's name as people see it
	private   bool              // a private room: sealed, signed
	signer    string            // my public key in a private room, "" in a plain one
	keyByNick map[string]string // the last key each nickname signed with
	verifying verification      // messages whose signature is checked after they show (private_verify.go)
}

// New creates the Client and loads the room's history and outbox from the
// Store synchronously, so the first View already shows them. No network
// work starts before Run.
func New(o Options) *Client {
	c := &Client{
		failover:     newFailover(slices.Clone(o.Relays)),
		room:         o.Room,
		cid:          o.CID,
		identity:     o.Identity,
		token:        o.Token,
		transport:    o.Transport,
		store:        o.Store,
		outboxLock:   o.OutboxLock,
		clock:        o.Clock,
		rand:         orRandom(o.Rand),
		changed:      make(chan struct{}, 1),
		retry:        make(chan struct{}, 1),
		nick:         CleanNick(o.Nick),
		maxMessage:   DefaultMaxMessage,
		visible:      true,
		seen:         map[string]struct{}{},
		pendingJoins: map[string]func() bool{},
	}
	if c.transport == nil {
		c.transport = NewWebSocketTransport()
	}
	if c.store == nil {
		c.store = NewMemoryStore()
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	c.typingOut, c.typing = newTypingSender(c.clock), newTypists(c.clock)
	c.outbox = loadOutbox(c.store, c.room)
	c.dialIDLocked() // sets c.cid to what the first connection will use
	if c.nick == "" {
		c.nick = shortCID(c.cid)
	}
	openedRoom(c.store, c.room)
	c.setupPayload(o)
	h, raw := loadHistoryRaw(c.store, c.room)
	c.historyRaw = raw
	c.lastSeq, c.epoch, c.loadedEpoch = h.Seq, h.Epoch, h.Epoch
	for _, m := range h.Messages {
		m = m.withKey()
		if _, dup := c.seen[m.key()]; dup {
			continue
		}
		c.seen[m.key()] = struct{}{}
		c.history = append(c.history, m)
		c.noteSignerLocked(m)
		c.appendLinesLocked(m)
	}
	c.threads = threadsOf(c.history)
	c.dropEchoedLocked() // the stored outbox loses them at the first connection's sync
	c.trimTimeline()
	c.resetMembers()
	c.loadReadMarkLocked()
	c.receipts = receiptsAllowed(c.store)
	c.unreadStale = true
	return c
}

// Changed is signalled (without blocking, capacity 1) after every change of
// the View; bursts collapse into one signal. Re-read View when it fires.
func (c *Client) Changed() <-chan struct{} { return c.changed }

// View returns a consistent snapshot copy of what the UI renders.
func (c *Client) View() View {
	c.mu.Lock()
	defer c.mu.Unlock()
	outbox := c.outboxLinesLocked()
	lines := make([]Line, 0, min(len(c.timeline)+len(outbox), MaxViewLines))
	skip := max(len(c.timeline)+len(outbox)-MaxViewLines, 0)
	for _, l := range c.timeline {
		if skip > 0 {
			skip--
			continue
		}
		l = c.resolvedLocked(l)
		l.SeenBy = c.seenByLocked(l)
		lines = append(lines, l)
	}
	for _, l := range outbox {
		if skip > 0 {
			skip--
			continue
		}
		lines = append(lines, l)
	}
	undecryptable, unverified := c.failuresLocked()
	unread, firstUnread := c.unreadLocked(lines)
	return View{
		Room:    c.name,
		Nick:    c.nick,
		State:   c.state,
		Relay:   c.failover.relay(),
		RetryAt: c.retryAt,
		Detail:  c.detail,
		Lines:   lines,
		Members: c.markKeyChangesLocked(sortedMembers(c.members)),
		People:  max(c.people, len(c.members)),
		Unread:  unread.Count,
		MaxText: c.maxTextLocked(),

		RoomID:        c.room,
		Typing:        c.typing.text(),
		Private:       c.private,
		SafetyCode:    SafetyCode(c.signer),
		Undecryptable: undecryptable,
		Unverified:    unverified,

		Mentions:    unread.Mentions,
		FirstUnread: firstUnread,
	}
}

// maxTextLocked is the largest text that fits the relay's frame limit with
// the current nick and a longest possible id; plain text without characters
// JSON must escape.
func (c *Client) maxTextLocked() int {
	return c.payload.maxText(c.maxMessage, c.nick)
}

// Send queues text in the persisted outbox and shows it at once as pending;
// it is written when online and leaves the outbox when the relay echoes it.
// It returns ErrEmpty for blank text and an error wrapping ErrTooLong (with
// the size and the limit) when the frame would exceed the relay's limit.
func (c *Client) Send(text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return ErrEmpty
	}
	c.mu.Lock()
	return c.queueUnlock(text, nil)
}

// queueUnlock queues text (with ref, for replies, reactions, edits and
// deletes) as Send does, and unlocks mu.
func (c *Client) queueUnlock(text string, ref *refData) error {
	now := c.clock.Now()
	c.idCounter++
	e := &outboxEntry{
		ID:   newMessageID(now.UnixMilli(), c.idCounter, c.rand),
		Text: text,
		Nick: c.nick,
		Time: now.UnixMilli(),
		Ref:  ref,
	}
	if size := c.payload.pubSize(e.ID, e.body()); size > c.maxMessage {
		limit := c.maxMessage
		c.mu.Unlock()
		return tooLongError(size, limit)
	}
	// A failed write (quota) still leaves the message queued in this tab,
	// and Flush and every later change try to write it again.
	c.changeOutboxLocked(addEntry(e))
	c.typingOut.sent()
	if c.sess != nil {
		c.sess.wakeWriter()
	}
	c.mu.Unlock()
	c.signal()
	return nil
}

// SetNick changes my nickname: shown at once as "A is now B" and announced
// with meta when online (and on every later connection). The UI persists it
// in Prefs.
func (c *Client) SetNick(nick string) error {
	nick = CleanNick(nick)
	if nick == "" || utf8.RuneCountInString(nick) > MaxNickLen {
		return ErrBadNick
	}
	c.mu.Lock()
	if nick == c.nick {
		c.mu.Unlock()
		return nil
	}
	old := c.nick
	c.nick = nick
	c.unreadStale = true // mentions are of the new nick
	c.claimNickLocked(nick)
	if me := c.members[c.myConn]; me != nil {
		me.metaNick, me.Nick = nick, nick
	}
	c.addSystemLine(LineSystem, fmt.Sprintf("%s is now %s", old, nick))
	if c.sess != nil {
		c.sess.metaDue = true
		c.sess.wakeWriter()
	}
	c.mu.Unlock()
	c.signal()
	return nil
}

// RetryNow skips the current backoff wait (the browser's online event, the
// tab becoming visible). When denied or invalid it tries exactly once more.
// While connecting or online it does nothing.
func (c *Client) RetryNow() {
	c.mu.Lock()
	waiting := c.state == StateOffline || c.state == StateDenied || c.state == StateInvalid
	c.mu.Unlock()
	if !waiting {
		return
	}
	select {
	case c.retry <- struct{}{}:
	default:
	}
	c.reportWait(false) // after the send: see reportWait
}

// SetVisible tells the client whether the person can see the room: while
// hidden, MarkRead does nothing. It does not change Unread: only MarkRead
// does, which the UI calls once the person can see the newest lines.
func (c *Client) SetVisible(visible bool) {
	c.mu.Lock()
	c.visible = visible
	c.mu.Unlock()
}

// signal tells the UI the View changed, never blocking.
func (c *Client) signal() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// addSystemLine appends a notice to the timeline. Its key starts with '!',
// which no cid contains, so it never collides with a message key.
func (c *Client) addSystemLine(kind LineKind, text string) {
	c.lineCount++
	c.timeline = append(c.timeline, Line{
		Kind: kind,
		Key:  fmt.Sprintf("!sys/%d", c.lineCount),
		Text: text,
		Time: c.clock.Now(),
	})
	c.trimTimeline()
}

// trimTimeline keeps the timeline near MaxViewLines, trimming in chunks so
// that a burst does not copy the slice on every message.
func (c *Client) trimTimeline() {
	if len(c.timeline) > 2*MaxViewLines {
		c.timeline = append([]Line(nil), c.timeline[len(c.timeline)-MaxViewLines:]...)
		c.unreadStale = true
	}
}

// resetMembers leaves only me in the presence list (no connection: nobody
// else is known to be here).
func (c *Client) resetMembers() {
	for conn, stop := range c.pendingJoins {
		stop()
		delete(c.pendingJoins, conn)
	}
	c.members = map[string]*member{c.myConn: c.me()}
	c.people = 0
}

func (c *Client) me() *member {
	return &member{Member: Member{Conn: c.myConn, CID: c.cid, Nick: c.nick, Me: true, Key: c.signer, SafetyCode: SafetyCode(c.signer)}, metaNick: c.nick}
}
