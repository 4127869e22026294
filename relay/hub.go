package relay

import (
	"encoding/json"
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
// A member belongs to one room today; the hub takes (member, room) pairs
// everywhere so that a member may belong to several later.
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
	// held counts the rooms held in memory, for -max-rooms and relay_rooms.
	held *roomCounter

	mu     sync.Mutex
	byName map[string]*room
	closed bool
}

// endTooManyRooms closes a connection whose handshake passed the -max-rooms
// check while other handshakes filled the last rooms.
var endTooManyRooms = ending{name: "too many rooms", code: websocket.StatusTryAgainLater, reason: "too many rooms"}

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
		h.logs = newNATSLogs(conn, cfg, m)
		return h
	}
	h.presence = memoryPresence{}
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

// join adds m to its room, announces it, and prepares m's welcome and
// replay in m.initial. m is registered first, with welcome.seq the room's
// last seq here; the replay, read from the log outside any lock, covers
// exactly since < seq <= welcome.seq, and msgs delivered meanwhile queue
// behind m.initial: replay and live delivery neither overlap nor leave a
// gap. When the room cannot be joined now, m is killed with a close code
// telling the client to come back.
func (h *hub) join(m *member, req joinRequest) *room {
	r, ok := h.acquire(req.room)
	if !ok {
		m.kill(endTooManyRooms, "")
		return r
	}
	defer h.settle(r, true)
	if err := h.follow(r); err != nil {
		h.log.Warn("join refused", "room", req.room, "err", err)
		m.kill(endBrokerUnavailable, "")
		return r
	}

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
	m.joinedAt = time.Now().UnixNano()
	r.members = append(r.members, m)
	m.inRoom = true
	delivered := r.announceLocked(mustEncode(wire.Join{Type: wire.TypeJoin, Peer: m.peer()}), m)
	h.presence.join(r.name, peerAt{Peer: m.peer(), At: m.joinedAt})
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
			m.kill(endBrokerUnavailable, "")
			return r
		}
		welcome.Recovered = welcome.Recovered && sameEpoch
	}
	m.initial = append(make([][]byte, 0, 1+len(replay)), mustEncode(welcome))
	m.initial = append(m.initial, replay...)
	h.metrics.deliveries.Add(float64(len(m.initial)))
	return r
}

// publish appends a pub of m to r's log: every member, m included,
// receives it once, in seq order. A resent pub (same cid and id, still in
// the dedup window) is not published again: its original is re-sent to m.
func (h *hub) publish(m *member, r *room, id string, data json.RawMessage) {
	r.mu.Lock()
	inRoom, lg := m.inRoom, r.log
	r.mu.Unlock()
	if !inRoom {
		return
	}
	if lg == nil {
		h.refuse(m, r, id)
		return
	}
	res := lg.append(publication{conn: m.id, cid: m.cid, id: id, idJSON: encodeString(id), data: data, origin: m})
	switch res.status {
	case appendStored:
		h.metrics.messagesIn.Inc()
	case appendDuplicate:
		h.offer(m, r, res.frame)
	case appendFailed:
		h.refuse(m, r, id)
	}
}

// offer queues frame for m alone, if m is still in r.
func (h *hub) offer(m *member, r *room, frame []byte) {
	r.mu.Lock()
	delivered := 0
	if m.inRoom {
		delivered = r.offerLocked(m, frame)
	}
	r.mu.Unlock()
	h.metrics.deliveries.Add(float64(delivered))
}

// refuse answers a pub the log cannot take now with error unavailable; the
// client keeps it and resends it with the same id.
func (h *hub) refuse(m *member, r *room, id string) {
	h.metrics.refused[wire.CodeUnavailable].Inc()
	h.offer(m, r, errorFrame(wire.CodeUnavailable, id, "relay cannot publish now: resend later with the same id"))
}

// setMeta records m's presence metadata and announces it to every member,
// m included (its confirmation), and beyond this relay under the same
// lock, so the order of m's changes is the same everywhere.
func (h *hub) setMeta(m *member, r *room, meta json.RawMessage) {
	frame := mustEncode(wire.MetaChange{Type: wire.TypeMeta, Conn: m.id, Meta: meta})
	r.mu.Lock()
	if !m.inRoom {
		r.mu.Unlock()
		return
	}
	m.meta = meta
	var delivered int
	if r.crowd != nil {
		// Its confirmation now; the others see it in the list, if listed.
		delivered = r.offerLocked(m, frame)
		r.changedLocked()
	} else {
		delivered = r.fanOutLocked(frame, nil)
	}
	h.presence.meta(r.name, m.id, meta)
	r.mu.Unlock()
	h.metrics.deliveries.Add(float64(delivered))
}

// leave takes m out of r, if still there, and announces it.
func (h *hub) leave(m *member, r *room) {
	r.mu.Lock()
	delivered := 0
	if r.removeLocked(m) {
		delivered = r.announceLocked(m.leaveFrame, nil)
		h.presence.leave(r.name, m.id)
	}
	empty := len(r.members) == 0
	r.mu.Unlock()
	h.metrics.deliveries.Add(float64(delivered))
	if empty {
		h.settle(r, false)
	}
}

// start begins the background work of presence, then of the log store
// (which connects to NATS: presence subscribes on connect).
func (h *hub) start() {
	h.presence.start(h)
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
