package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is a relay: an http.Handler serving
//
//	GET /ws       the chat.v1 WebSocket endpoint (see PROTOCOL.md)
//	GET /healthz  200 while the relay accepts connections, 503 once shutting down
//	GET /readyz   200 while the relay can publish, 503 when its broker (NATS) is unreachable
//	GET /metrics  Prometheus metrics of this server, to loopback clients only
//	              (or on Config.MetricsAddr, see Serve)
//	GET /         the web app in Config.Web, when set
//
// Create it with New. It starts no goroutine until a connection arrives or,
// with Config.NATS, until Start (which Run and Serve call).
type Server struct {
	cfg        Config
	log        *slog.Logger
	mux        *http.ServeMux
	metrics    *metrics
	hub        *hub
	origins    originPolicy
	proxies    proxyPolicy    // who may name the client address
	addrLimits *addressLimits // per client address: handshakes, connections
	trimmer    *memoryTrimmer // returns memory to the OS after bursts
	output     output         // how every member's writer writes, from cfg
	start      sync.Once

	active atomic.Int64 // WebSocket connections, counted before the upgrade

	mu       sync.Mutex
	closing  bool
	members  map[string]*member // by conn id, for shutdown and id uniqueness
	sessions sync.WaitGroup     // one per upgraded connection; Add only under mu while !closing
}

// New validates cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("relay config: %w", err)
	}
	cfg = cfg.withDefaults()
	trusted, _ := parseTrustedProxies(cfg.TrustedProxies) // checked by Validate
	m := newMetrics()
	s := &Server{
		cfg:        cfg,
		log:        cfg.Logger,
		mux:        http.NewServeMux(),
		metrics:    m,
		origins:    originPolicy{patterns: cfg.Origins},
		proxies:    proxyPolicy{trusted: trusted},
		addrLimits: newAddressLimits(cfg),
		trimmer:    newMemoryTrimmer(cfg.MemoryTrimAfter, cfg.MemoryTrimBurst, m.memoryTrims),
		output:     output{limit: int(cfg.MaxMessage), timeout: cfg.WriteTimeout, pool: newWriterPool(cfg.WriteTimeout, m)},
		members:    make(map[string]*member),
		hub:        newHub(cfg, m),
	}
	s.mux.HandleFunc("GET /ws", s.handleWebSocket)
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	s.mux.HandleFunc("GET /readyz", s.handleReady)
	if cfg.MetricsAddr == "" {
		s.mux.Handle("GET /metrics", loopbackOnly(s.MetricsHandler()))
	}
	if cfg.Web != "" {
		s.mux.Handle("/", newWebHandler(cfg.Web))
	}
	return s, nil
}

// MetricsHandler serves the Prometheus metrics of this server to anyone: Serve
// mounts it on Config.MetricsAddr, a program that mounts the Server in its
// own http.Server may mount it where it likes.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{Registry: s.metrics.registry})
}

// loopbackOnly answers 403 to every request but one made from this host
// without a proxy: metrics tell the world how busy the relay is and which
// rooms' limits bite, and most deployments scrape them locally.
func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isLoopbackPeer(r) {
			http.Error(w, "metrics are served to loopback clients only (see -metrics-addr)", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// ServeHTTP routes a request to the WebSocket endpoint, the health check,
// the metrics or the web app.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if closing {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("shutting down\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// handleReady answers 200 while the relay can serve and publish, 503 while
// it shuts down or its broker is unreachable: a load balancer then sends new
// clients elsewhere, while /healthz keeps the process alive.
func (s *Server) handleReady(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case s.isClosing():
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("shutting down\n"))
	case !s.hub.ready():
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("broker unavailable\n"))
	default:
		_, _ = w.Write([]byte("ready\n"))
	}
}

// Start begins the relay's background work: with Config.NATS, connecting to
// NATS (retrying until it answers) and heartbeating presence. Run and Serve
// call it; a program that mounts the Server in its own http.Server calls it
// once before serving. Later calls do nothing. The in-memory relay needs no
// Start.
func (s *Server) Start() {
	s.start.Do(s.hub.start)
}

// Shutdown refuses new connections, closes every connection with 1001 and
// waits for them to end. When ctx expires first the remaining connections
// are cut without a close handshake and ctx's error is returned. Shutdown
// does not stop an http.Server the relay is mounted in; Run does.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for _, m := range s.members {
		m.kill(endShutdown, "")
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.sessions.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("relay shutdown: %w", ctx.Err())
		s.mu.Lock()
		for _, m := range s.members {
			_ = m.conn.CloseNow()
		}
		s.mu.Unlock()
		<-done
	}
	s.output.pool.close()
	s.hub.close()
	s.trimmer.stop()
	return err
}

// admit creates and records the member of a new connection so that
// Shutdown reaches it. It returns nil when the relay is shutting down.
func (s *Server) admit(cid string, conn *websocket.Conn) *member {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil
	}
	id := newConnID()
	for s.members[id] != nil { // a 64-bit collision among live connections: astronomically unlikely
		id = newConnID()
	}
	m := newMember(id, cid, conn, s.cfg.Queue, s.metrics)
	s.members[id] = m
	s.sessions.Add(1)
	return m
}

func (s *Server) unregister(m *member) {
	s.mu.Lock()
	delete(s.members, m.id)
	s.mu.Unlock()
	s.sessions.Done()
}

// isClosing reports whether Shutdown has begun.
func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// errShuttingDown is the 503 reason while the relay shuts down.
var errShuttingDown = errors.New("relay shutting down")
