package relay

import (
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/chatpwa/chat/relay/wire"
)

// hub owns the rooms of this relay and everything chat.v1 promises about
// them, written once for both brokers: members in join order, fan-out that
// never blocks on a slow peer (the slow-consumer rule), welcome, and
// recovery with since=. Beneath it sit two small interfaces: each room's
// log (log.go: seq, window, dedup) and presence (presence.go: members on
// other relays). The memory relay uses memoryLogs and memoryPresence; with
// NATS, natsLogs and natsPresence.
//
// A member (one connection) may be in several rooms: its place in each is
// a sub (sub.go), and the hub takes subs everywhere.
//
// Lock order, the one place it is written:
//
//	natsPresence.relaysMu → hub.mu → memoryLogs.mu → memoryLog.mu → room.mu → natsPresence.mu, member.mu
//
// The hub never calls a log (which may block on NATS) while holding hub.mu
// or a room's lock: logs are opened, read and released outside them.
// Deliveries come up from a log with the log's own lock held (memory),
// so a room's lock is taken after it; code running under a room's lock
// never takes hub.mu or a log's lock.
type hub struct {
	pingMS     int64
	maxMessage int64
	maxRooms   int
	// presenceLimit is the member count past which a room is a crowd
	// (room_crowd.go), Unlimited for never; presenceEvery is how often a
	// crowd's members get presence (presenceCoalesce; tests shorten it).
	presenceLimit int
	presenceEvery time.Duration
	metrics       *metrics
	log           *slog.Logger
	logs          logStore
	presence      presence
	signals       signalBus
	// held counts the rooms held in memory, for -max-rooms and relay_rooms.
	held *roomCounter

	mu     sync.Mutex
	byName map[string]*room
	closed bool
}

// endTooManyRooms closes a connection whose handshake passed the -max-rooms
// check while other handshakes filled the last rooms.
var endTooManyRooms = ending{name: "too many rooms", code: websocket.StatusTryAgainLater, reason: "too many rooms"}

// joinEnding is how a connection whose first room cannot be joined ends.
func joinEnding(err error) ending {
	if errors.Is(err, errRoomsFull) {
		return endTooManyRooms
	}
	return endBrokerUnavailable
}

// newHub returns the hub of a relay configured by cfg (defaults applied):
// its rooms' logs and presence in memory, or in NATS with cfg.NATS.
func newHub(cfg Config, m *metrics) *hub {
	h := &hub{
		pingMS:        cfg.PingInterval.Milliseconds(),
		maxMessage:    cfg.MaxMessage,
		maxRooms:      cfg.MaxRooms,
		presenceLimit: cfg.PresenceLimit,
		presenceEvery: presenceCoalesce,
		metrics:       m,
		log:           cfg.Logger,
		held:          &roomCounter{gauge: m.rooms},
		byName:        make(map[string]*room),
	}
	if len(cfg.NATS) > 0 {
		conn := newNATSConn(cfg, m)
		h.presence = newNATSPresence(conn)
		h.signals = &natsSignals{conn: conn}
		h.logs = newNATSLogs(conn, cfg, m)
		return h
	}
	h.presence = memoryPresence{}
	h.signals = memorySignals{}
	h.logs = &memoryLogs{
		historyLen:   cfg.History,
		roomBytes:    cfg.RoomHistoryBytes,
		historyAge:   cfg.HistoryAge,
		historyBytes: cfg.HistoryBytes,
		metrics:      m,
		held:         h.held,
		now:          time.Now,
		byName:       make(map[string]*memoryLog),
	}
	m.brokerConnected.Set(1) // nothing to lose
	return h
}

// roomCounter counts the rooms held in memory: the hub's rooms and the
// memory logs no hub room follows (rooms kept for their window).
type roomCounter struct {
	n     atomic.Int64
	gauge prometheus.Gauge
}

func (c *roomCounter) add(delta int) {
	c.gauge.Set(float64(c.n.Add(int64(delta))))
}

// joinRequest is what a connecting client asked for.
type joinRequest struct {
	room     string
	since    uint64
	hasSince bool
	// epoch is the seq epoch since belongs to, "" when the client sent none.
	epoch string
	// name is the name the room's token carried, "" when none.
	name string
}

// full reports whether a join into name would exceed -max-rooms: the
// relay holds MaxRooms rooms and name is not one of them.
func (h *hub) full(name string) bool {
	if h.held.n.Load() < int64(h.maxRooms) {
		return false
	}
	h.mu.Lock()
	_, known := h.byName[name]
	h.mu.Unlock()
	return !known && !h.logs.has(name)
}

// acquire returns the room name, creating it when needed, and keeps it
// registered until settle. It reports false, with a room nobody holds,
// when creating it would exceed MaxRooms: the handshake's check (full)
// answers 503 before the upgrade, this one holds the bound exactly when
// handshakes race.
func (h *hub) acquire(name string) (*room, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.byName[name]
	if r == nil {
		if h.held.n.Load() >= int64(h.maxRooms) && !h.logs.has(name) {
			return &room{name: name, hub: h, freed: true}, false
		}
		r = h.newRoomLocked(name)
	}
	r.joining++
	return r, true
}

func (h *hub) newRoomLocked(name string) *room {
	r := &room{name: name, hub: h}
	h.byName[name] = r
	h.held.add(1)
	return r
}

// settle ends a join (joined) or a change that may have emptied r: with
// no member here r stops following its log, and with nobody anywhere r is
// forgotten. The log is released outside every lock.
func (h *hub) settle(r *room, joined bool) {
	h.mu.Lock()
	if joined {
		r.joining--
	}
	r.mu.Lock()
	var released roomLog
	if len(r.members) == 0 && r.joining == 0 {
		released, r.log, r.feed = r.log, nil, nil
		if len(r.elsewhere) == 0 && !r.freed {
			r.freed = true
			delete(h.byName, r.name)
			h.held.add(-1)
		}
	}
	r.mu.Unlock()
	h.mu.Unlock()
	if released != nil {
		released.release()
	}
}

// follow opens r's log unless r follows it already. openMu keeps two joins
// from opening it twice; the log is opened outside r.mu.
func (h *hub) follow(r *room) error {
	r.openMu.Lock()
	defer r.openMu.Unlock()
	r.mu.Lock()
	if r.log != nil {
		r.mu.Unlock()
		return nil
	}
	feed := &roomFeed{r: r}
	r.feed = feed // before open: the log's reset and deliveries check it
	r.mu.Unlock()
	lg, err := h.logs.open(r.name, feed)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		if r.feed == feed {
			r.feed = nil
		}
		return err
	}
	r.log = lg
	return nil
}

// Why a join fails; the first room's join closes the connection (1013),
// a sub's is answered with an error frame.
var (
	errRoomsFull      = errors.New("too many rooms")
	errLogUnavailable = errors.New("room log unavailable")
)

// join adds m to the room req names, announces it, and queues its welcome
// and replay. The new sub is registered first, holding, with welcome.seq
// the room's last seq here; the replay, read from the log outside any lock,
// covers exactly since < seq <= welcome.seq, and msgs delivered meanwhile
// wait in sub.held behind them: replay and live delivery neither overlap
// nor leave a gap. When the room cannot be joined now, join returns
// errRoomsFull or errLogUnavailable and m is in no new room.
func (h *hub) join(m *member, req joinRequest) (*sub, error) {
	r, ok := h.acquire(req.room)
	if !ok {
		return nil, errRoomsFull
	}
	defer h.settle(r, true)
	if err := h.follow(r); err != nil {
		h.log.Warn("join refused", "room", req.room, "err", err)
		return nil, errLogUnavailable
	}

	s := &sub{m: m, r: r, name: req.name}
	r.mu.Lock()
	lg := r.log
	welcome := wire.Welcome{
		Type:       wire.TypeWelcome,
		Conn:       m.id,
		Room:       req.room,
		Seq:        r.lastSeq,
		PingMS:     h.pingMS,
		MaxMessage: h.maxMessage,
		Epoch:      r.epoch,
	}
	if r.crowdedLocked() {
		// The list every member holds, which the next flush changes for all.
		welcome.Peers = r.crowd.listed
		welcome.Count = len(r.members) + len(r.elsewhere) + 1
	} else {
		welcome.Peers = r.peersLocked(make([]wire.Peer, 0, len(r.members)+len(r.elsewhere)))
	}
	if welcome.Peers == nil {
		welcome.Peers = []wire.Peer{}
	}
	s.joinedAt = time.Now().UnixNano()
	r.members = append(r.members, s)
	s.inRoom, s.holding = true, true
	h.metrics.subscriptions.Inc()
	delivered := r.announceLocked(mustEncode(wire.Join{Type: wire.TypeJoin, Peer: s.peer()}), s)
	h.presence.join(r.name, peerAt{Peer: s.peer(), At: s.joinedAt})
	r.mu.Unlock()
	h.metrics.deliveries.Add(float64(delivered))

	var replay [][]byte
	if req.hasSince {
		since, sameEpoch := req.since, req.epoch == "" || req.epoch == welcome.Epoch
		if !sameEpoch {
			// since counts in another seq space: everything kept is new to
			// the client, and what the old space published after since is lost.
			since = 0
		}
		var err error
		replay, welcome.Recovered, err = lg.since(since, welcome.Seq)
		if err != nil {
			h.log.Warn("replay failed", "room", req.room, "err", err)
			h.leave(s)
			return nil, errLogUnavailable
		}
		welcome.Recovered = welcome.Recovered && sameEpoch
	}

	r.mu.Lock()
	if s.inRoom { // else dropped meanwhile, with its member
		initial := make([][]byte, 0, 1+len(replay)+len(s.held))
		initial = append(initial, mustEncode(welcome))
		if m.multi.Load() {
			for _, frame := range replay {
				initial = append(initial, withRoom(frame, r.name))
			}
		} else {
			initial = append(initial, replay...)
		}
		initial = append(initial, s.held...)
		s.holding, s.held = false, nil
		m.offerInitial(initial)
		h.metrics.deliveries.Add(float64(1 + len(replay)))
	}
	r.mu.Unlock()
	return s, nil
}

// publish appends a pub of s's member to s's room: every member, the
// publisher included, receives it once, in seq order. A resent pub (same
// cid and id, still in the dedup window) is not published again: its
// original is re-sent to s alone.
func (h *hub) publish(s *sub, id string, data json.RawMessage) {
	r := s.r
	r.mu.Lock()
	inRoom, lg := s.inRoom, r.log
	r.mu.Unlock()
	if !inRoom {
		return
	}
	if lg == nil {
		h.refuse(s, id)
		return
	}
	res := lg.append(publication{conn: s.m.id, cid: s.m.cid, id: id, idJSON: encodeString(id), data: data, origin: s})
	switch res.status {
	case appendStored:
		h.metrics.messagesIn.Inc()
	case appendDuplicate:
		h.offer(s, res.frame)
	case appendFailed:
		h.refuse(s, id)
	}
}

// offer queues frame for s alone, if s is still in its room.
func (h *hub) offer(s *sub, frame []byte) {
	r := s.r
	r.mu.Lock()
	delivered := 0
	if s.inRoom {
		delivered = r.offerLocked(s, frame)
	}
	r.mu.Unlock()
	h.metrics.deliveries.Add(float64(delivered))
}

// refuse answers a pub the log cannot take now with error unavailable; the
// client keeps it and resends it with the same id.
func (h *hub) refuse(s *sub, id string) {
	h.metrics.refused[wire.CodeUnavailable].Inc()
	h.offer(s, errorFrame(wire.CodeUnavailable, id, "relay cannot publish now: resend later with the same id"))
}

// setMeta records s's presence metadata and announces it to every member,
// s included (its confirmation), and beyond this relay under the same
// lock, so the order of s's changes is the same everywhere.
func (h *hub) setMeta(s *sub, meta json.RawMessage) {
	r := s.r
	frame := mustEncode(wire.MetaChange{Type: wire.TypeMeta, Conn: s.m.id, Meta: meta})
	r.mu.Lock()
	if !s.inRoom {
		r.mu.Unlock()
		return
	}
	s.meta = meta
	var delivered int
	if r.crowd != nil {
		// Its confirmation now; the others see it in the list, if listed.
		delivered = r.offerLocked(s, frame)
		r.changedLocked()
	} else {
		delivered = r.fanOutLocked(frame, nil)
	}
	h.presence.meta(r.name, s.m.id, meta)
	r.mu.Unlock()
	h.metrics.deliveries.Add(float64(delivered))
}

// leave takes s out of its room, if still there, and announces it.
func (h *hub) leave(s *sub) {
	r := s.r
	r.mu.Lock()
	delivered := 0
	if r.removeLocked(s) {
		delivered = r.announceLocked(s.m.leaveFrame(), nil)
		h.presence.leave(r.name, s.m.id)
	}
	empty := len(r.members) == 0
	r.mu.Unlock()
	h.metrics.deliveries.Add(float64(delivered))
	if empty {
		h.settle(r, false)
	}
}

// leaveAll takes m out of every room it is in.
func (h *hub) leaveAll(m *member) {
	for _, s := range m.subsNow() {
		h.leave(s)
	}
}

// start begins the background work of presence and signals, then of the
// log store (which connects to NATS: presence and signals subscribe on
// connect).
func (h *hub) start() {
	h.presence.start(h)
	h.signals.start(h)
	h.logs.start()
}

// ready reports whether the relay can publish now (GET /readyz).
func (h *hub) ready() bool { return h.logs.ready() }

// close stops following every log, says goodbye to the other relays and
// stops the stores; the hub frees nothing afterwards.
func (h *hub) close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	var released []roomLog
	for _, r := range h.byName {
		r.mu.Lock()
		if r.log != nil {
			released = append(released, r.log)
			r.log, r.feed = nil, nil
		}
		r.mu.Unlock()
	}
	h.mu.Unlock()
	for _, lg := range released {
		lg.release()
	}
	h.presence.close()
	h.logs.close()
}

// remote applies a change of another relay's members to the room name
// (created when needed), and reports whether relay still has members there.
func (h *hub) remote(name, relay string, change func(r *room) int) bool {
	if name == "" {
		return false
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return false
	}
	r := h.byName[name]
	if r == nil {
		r = h.newRoomLocked(name)
	}
	r.mu.Lock()
	h.mu.Unlock()
	delivered := change(r)
	still := r.hasRemoteLocked(relay)
	empty := len(r.members) == 0 && len(r.elsewhere) == 0
	r.mu.Unlock()
	h.metrics.deliveries.Add(float64(delivered))
	if empty {
		h.settle(r, false)
	}
	return still
}

var _ presenceSink = (*hub)(nil)

func (h *hub) upsertRemote(name, relay string, p peerAt) bool {
	return h.remote(name, relay, func(r *room) int { return r.upsertRemoteLocked(relay, p) })
}

func (h *hub) removeRemote(name, relay, conn string) bool {
	return h.remote(name, relay, func(r *room) int { return r.removeRemoteLocked(relay, conn) })
}

func (h *hub) setRemoteMeta(name, relay, conn string, meta json.RawMessage) bool {
	return h.remote(name, relay, func(r *room) int { return r.setRemoteMetaLocked(relay, conn, meta) })
}

func (h *hub) replaceRemote(name, relay string, peers []peerAt) bool {
	return h.remote(name, relay, func(r *room) int { return r.replaceRemoteLocked(relay, peers) })
}
