package relay

import (
	"errors"
	"fmt"
	"net/http"
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
	name string // from the token
}

// handleWebSocket serves GET /ws. The checks run in the documented order:
// 400 (room, cid, since, epoch), 403 (origin), 401 (token), 503 (capacity).
//
// A GET without upgrade headers gets the same checks and status, or 426 when
// they all pass: the "handshake diagnosis" extension. Browsers hide why a
// WebSocket handshake failed, so a client fetches the same URL to learn
// whether to retry (426, 503) or to give up (400, 401, 403).
func (s *Server) handleWebSocket(w http.ResponseWriter, r *http.Request) {
	adm, rej := s.checkHandshake(r)
	if !isWebSocketUpgrade(r) {
		s.diagnose(w, r, rej)
		return
	}
	if rej == nil && !s.reserveConn() {
		rej = &rejection{http.StatusServiceUnavailable, "too many connections", rejectCapacity}
	}
	if rej != nil {
		s.metrics.rejected[rej.metric].Inc()
		s.log.Debug("handshake refused", "status", rej.status, "reason", rej.reason, "remote", r.RemoteAddr)
		http.Error(w, rej.reason, rej.status)
		return
	}
	// Small hijacked buffers: coder/websocket keeps them for the
	// connection's life (see hijack.go).
	conn, err := websocket.Accept(withSmallHijackBuffers(w), r, &websocket.AcceptOptions{
		Subprotocols: []string{wire.Subprotocol},
		// checkHandshake has already applied the origin policy.
		InsecureSkipVerify: true,
	})
	if err != nil {
		s.releaseConn()
		s.log.Debug("websocket accept failed", "err", err, "remote", r.RemoteAddr)
		return // Accept has answered the request
	}
	s.serveSession(conn, adm) // returns at once: the session goes on in its own goroutine
}

// checkHandshake applies every check but capacity.
func (s *Server) checkHandshake(r *http.Request) (admission, *rejection) {
	q := r.URL.Query()
	adm := admission{join: joinRequest{room: q.Get("room")}, cid: q.Get("cid")}
	if !wire.ValidRoom(adm.join.room) {
		return adm, &rejection{http.StatusBadRequest, "invalid room: want 1-64 characters of A-Za-z0-9._-", rejectBadRequest}
	}
	if !wire.ValidCID(adm.cid) {
		return adm, &rejection{http.StatusBadRequest, "invalid cid: want 1-64 characters of A-Za-z0-9_-", rejectBadRequest}
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
		if err != nil {
			return adm, &rejection{http.StatusUnauthorized, tokenReason(err), rejectToken}
		}
		adm.name = claims.Name
	}
	if s.isClosing() {
		return adm, &rejection{http.StatusServiceUnavailable, errShuttingDown.Error(), rejectCapacity}
	}
	return adm, nil
}

// tokenReason names a token failure without echoing library details.
func tokenReason(err error) string {
	for _, known := range []error{ErrTokenMissing, ErrTokenExpired, ErrTokenRoom} {
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
	if rej == nil && s.active.Load() >= int64(s.cfg.MaxConns) {
		rej = &rejection{http.StatusServiceUnavailable, "too many connections", rejectCapacity}
	}
	if rej != nil {
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
