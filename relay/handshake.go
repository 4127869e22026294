package relay

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// rejection is a handshake refused before the upgrade: an HTTP status, a
// short plain-text reason for the body and the relay_rejected_total label.
type rejection struct {
	status int
	reason string
	metric string
}

// admission is what a handshake that passed every check asks for.
type admission struct {
	join joinRequest
	cid  string
	// socket is the hijacked connection under conn, which a member's
	// writes cork (cork.go).
	socket *closeNotifyingConn
}

// handleWebSocket serves GET /ws. The checks run in the documented order:
// 429 (handshakes per address), 400 (room, cid or ckey, since, epoch),
// 403 (origin), 401 (token), 429 (connections per address), 503 (capacity).
//
// A GET without upgrade headers gets the same checks and status, or 426 when
// they all pass: the "handshake diagnosis" extension. Browsers hide why a
// WebSocket handshake failed, so a client fetches the same URL to learn
// whether to retry (426, 429, 503) or to give up (400, 401, 403).
func (s *Server) handleWebSocket(w http.ResponseWriter, r *http.Request) {
	// Tokens and ckeys travel in this URL: no page it links to may learn it.
	w.Header().Set("Referrer-Policy", "no-referrer")
	addr, hasAddr := s.proxies.clientAddr(r)
	key := addressKey(addr)
	adm, rej := s.checkHandshake(r, key, hasAddr)
	if !isWebSocketUpgrade(r) {
		if rej == nil {
			rej = s.checkCapacity(key, hasAddr, adm.join.room)
		}
		s.diagnose(w, r, rej)
		return
	}
	releaseAddr := func() {}
	if rej == nil {
		releaseAddr, rej = s.reserveCapacity(key, hasAddr, adm.join.room)
	}
	if rej != nil {
		s.metrics.rejected[rej.metric].Inc()
		s.log.Debug("handshake refused", "status", rej.status, "reason", rej.reason, "remote", r.RemoteAddr, "client", addr)
		if rej.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		http.Error(w, rej.reason, rej.status)
		return
	}
	// Small hijacked buffers: coder/websocket keeps them for the
	// connection's life (see hijack.go). The address's slot is given back
	// when the connection is closed, however the session ends.
	hijacker := withSmallHijackBuffers(w, releaseAddr)
	conn, err := websocket.Accept(hijacker, r, &websocket.AcceptOptions{
		Subprotocols: []string{wire.Subprotocol},
		// checkHandshake has already applied the origin policy.
		InsecureSkipVerify: true,
	})
	if err != nil {
		s.releaseConn()
		releaseAddr() // a no-op when Accept has closed the hijacked connection
		s.log.Debug("websocket accept failed", "err", err, "remote", r.RemoteAddr)
		return // Accept has answered the request
	}
	adm.socket = hijacker.socket
	s.serveSession(conn, adm) // returns at once: the session goes on in its own goroutine
}

// Answers of the per-address limits.
var (
	rejectTooManyHandshakes = &rejection{http.StatusTooManyRequests, "too many handshakes", rejectHandshakeRate}
	rejectTooManyAddrConns  = &rejection{http.StatusTooManyRequests, "too many connections from this address", rejectAddressConns}
	rejectTooManyConns      = &rejection{http.StatusServiceUnavailable, "too many connections", rejectCapacity}
	rejectShuttingDown      = &rejection{http.StatusServiceUnavailable, errShuttingDown.Error(), rejectCapacity}
	rejectTooManyRooms      = &rejection{http.StatusServiceUnavailable, "too many rooms", rejectRooms}
)

// checkHandshake applies every check up to the token: the ones that do not
// depend on what the relay holds.
func (s *Server) checkHandshake(r *http.Request, addr netip.Prefix, hasAddr bool) (admission, *rejection) {
	var adm admission
	// First, before any work: a flood of handshakes from one address costs
	// the relay a map lookup each.
	if hasAddr && !s.addrLimits.allowHandshake(addr) {
		return adm, rejectTooManyHandshakes
	}
	q := r.URL.Query()
	// Cloned: a value from the query is a substring of the request line,
	// which a connection would otherwise keep for its life.
	adm.join.room = strings.Clone(q.Get("room"))
	if !wire.ValidRoom(adm.join.room) {
		return adm, &rejection{http.StatusBadRequest, "invalid room: want 1-64 characters of A-Za-z0-9._-", rejectBadRequest}
	}
	if rej := s.checkIdentity(q, &adm); rej != nil {
		return adm, rej
	}
	if q.Has("since") {
		since, err := strconv.ParseUint(q.Get("since"), 10, 64)
		if err != nil {
			return adm, &rejection{http.StatusBadRequest, "invalid since: want a non-negative integer", rejectBadRequest}
		}
		adm.join.since, adm.join.hasSince = since, true
	}
	if q.Has("epoch") {
		if !wire.ValidEpoch(q.Get("epoch")) {
			return adm, &rejection{http.StatusBadRequest, "invalid epoch: want 1-64 characters of A-Za-z0-9_-", rejectBadRequest}
		}
		adm.join.epoch = q.Get("epoch")
	}
	if !s.origins.allows(r.Header.Get("Origin"), r.Host) {
		return adm, &rejection{http.StatusForbidden, "origin not allowed", rejectOrigin}
	}
	if s.cfg.Secret != "" {
		claims, err := VerifyToken(s.cfg.Secret, q.Get("token"), adm.join.room)
		if err == nil {
			err = claims.AllowsCID(adm.cid)
		}
		if err != nil {
			return adm, &rejection{http.StatusUnauthorized, tokenReason(err), rejectToken}
		}
		adm.join.name = claims.Name
	}
	return adm, nil
}

// checkIdentity sets adm.cid from cid= or, with the client keys extension,
// from ckey= (see ckey.go).
func (s *Server) checkIdentity(q url.Values, adm *admission) *rejection {
	switch {
	case q.Has("ckey") && q.Has("cid"):
		return &rejection{http.StatusBadRequest, "invalid cid: give cid or ckey, not both", rejectBadRequest}
	case q.Has("ckey"):
		if !wire.ValidCKey(q.Get("ckey")) {
			return &rejection{http.StatusBadRequest, "invalid ckey: want 22-64 characters of A-Za-z0-9_-", rejectBadRequest}
		}
		adm.cid = wire.CIDFromKey(q.Get("ckey"))
	case s.cfg.RequireCKey:
		return &rejection{http.StatusBadRequest, "ckey required", rejectBadRequest}
	default:
		adm.cid = strings.Clone(q.Get("cid")) // see room in checkHandshake
		if !wire.ValidCID(adm.cid) {
			return &rejection{http.StatusBadRequest, "invalid cid: want 1-64 characters of A-Za-z0-9_-", rejectBadRequest}
		}
	}
	return nil
}

// checkCapacity is the diagnosis's snapshot of reserveCapacity: it reserves
// nothing, so 426 does not promise a slot.
func (s *Server) checkCapacity(addr netip.Prefix, hasAddr bool, room string) *rejection {
	switch {
	case hasAddr && !s.addrLimits.hasConnRoom(addr):
		return rejectTooManyAddrConns
	case s.isClosing():
		return rejectShuttingDown
	case s.active.Load() >= int64(s.cfg.MaxConns):
		return rejectTooManyConns
	case s.hub.full(room):
		return rejectTooManyRooms
	}
	return nil
}

// reserveCapacity takes a slot of the client's address and one of the
// relay's, and checks that the room is held or there is space for one more
// (-max-rooms: checked last, it is the one a client can do least about). release gives the address's slot back (the relay's goes back
// with releaseConn); it is never nil and may be called more than once.
func (s *Server) reserveCapacity(addr netip.Prefix, hasAddr bool, room string) (release func(), rej *rejection) {
	release = func() {}
	if hasAddr {
		var ok bool
		if release, ok = s.addrLimits.reserveConn(addr); !ok {
			return func() {}, rejectTooManyAddrConns
		}
	}
	if s.isClosing() {
		release()
		return func() {}, rejectShuttingDown
	}
	if !s.reserveConn() {
		release()
		return func() {}, rejectTooManyConns
	}
	if s.hub.full(room) {
		s.releaseConn()
		release()
		return func() {}, rejectTooManyRooms
	}
	return release, nil
}

// tokenReason names a token failure without echoing library details.
func tokenReason(err error) string {
	for _, known := range []error{ErrTokenMissing, ErrTokenExpired, ErrTokenRoom, ErrTokenCID} {
		if errors.Is(err, known) {
			return known.Error()
		}
	}
	return ErrTokenInvalid.Error()
}

// diagnose answers a GET /ws without upgrade headers.
func (s *Server) diagnose(w http.ResponseWriter, r *http.Request, rej *rejection) {
	h := w.Header()
	h.Add("Vary", "Origin")
	h.Set("Cache-Control", "no-store")
	// A page on another host can read the answer when its origin is allowed,
	// and also when the answer is the 403 itself: it reveals nothing but
	// "this origin is refused", which that page needs in order to stop retrying.
	if origin := r.Header.Get("Origin"); origin != "" &&
		(s.origins.allows(origin, r.Host) || (rej != nil && rej.status == http.StatusForbidden)) {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if rej != nil {
		if rej.status == http.StatusTooManyRequests {
			h.Set("Retry-After", "1")
		}
		http.Error(w, rej.reason, rej.status)
		return
	}
	h.Set("Upgrade", "websocket")
	h.Set("Connection", "Upgrade")
	http.Error(w, fmt.Sprintf("upgrade required: connect with a WebSocket (subprotocol %s)", wire.Subprotocol), http.StatusUpgradeRequired)
}

// reserveConn takes one of MaxConns slots, or reports false when none is left.
func (s *Server) reserveConn() bool {
	if s.active.Add(1) > int64(s.cfg.MaxConns) {
		s.active.Add(-1)
		return false
	}
	s.metrics.connections.Inc()
	return true
}

func (s *Server) releaseConn() {
	s.active.Add(-1)
	s.metrics.connections.Dec()
}

// isWebSocketUpgrade reports whether r asks for a WebSocket upgrade.
func isWebSocketUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
