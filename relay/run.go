package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
)

// Run listens on Config.Addr and serves until ctx is canceled; see Serve.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("relay listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves HTTP (TLS when Config.TLSCert and TLSKey are set) on ln
// until ctx is canceled. Then it stops accepting, closes every WebSocket
// connection with 1001 (going away: clients reconnect elsewhere or later),
// waits for them up to Config.ShutdownTimeout and returns nil. It returns an
// error only when serving fails.
//
// Every plain HTTP request is bounded by Config's HTTP timeouts; WebSocket
// connections are not, because net/http clears a connection's deadlines
// when it is hijacked for the upgrade. With Config.MetricsAddr, Serve also
// listens there and serves GET /metrics alone (plain HTTP).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var metricsLn net.Listener
	if s.cfg.MetricsAddr != "" {
		var err error
		if metricsLn, err = net.Listen("tcp", s.cfg.MetricsAddr); err != nil {
			return fmt.Errorf("relay metrics listen: %w", err)
		}
	}
	s.Start()
	hs := s.newHTTPServer(s)
	served := make(chan error, 1)
	go func() {
		if s.cfg.TLSCert != "" {
			served <- hs.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			served <- hs.Serve(ln)
		}
	}()
	s.log.Info("relay listening", "addr", ln.Addr().String(), "tls", s.cfg.TLSCert != "", "web", s.cfg.Web)
	if metricsLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", s.MetricsHandler())
		metricsServer := s.newHTTPServer(mux)
		metricsDone := make(chan struct{})
		go func() {
			defer close(metricsDone)
			_ = metricsServer.Serve(metricsLn) // ends with Close below
		}()
		defer func() {
			_ = metricsServer.Close()
			<-metricsDone
		}()
		s.log.Info("relay metrics listening", "addr", metricsLn.Addr().String())
	}

	var serveErr error
	select {
	case serveErr = <-served:
	case <-ctx.Done():
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	// Stop accepting first: Shutdown closes the listener at once, then waits
	// for plain HTTP requests. WebSocket connections are hijacked, so the
	// http.Server does not track them: the relay's own Shutdown closes them.
	httpDone := make(chan error, 1)
	go func() { httpDone <- hs.Shutdown(shutdownCtx) }()
	if err := s.Shutdown(shutdownCtx); err != nil {
		s.log.Warn("relay shutdown cut connections", "err", err)
	}
	if err := <-httpDone; err != nil {
		_ = hs.Close()
	}
	if serveErr == nil {
		serveErr = <-served
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		s.log.Info("relay stopped")
		return nil
	}
	return fmt.Errorf("relay serve: %w", serveErr)
}

// newHTTPServer is an http.Server for h with the relay's timeouts.
func (s *Server) newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.HTTPReadTimeout,
		WriteTimeout:      s.cfg.HTTPWriteTimeout,
		IdleTimeout:       s.cfg.HTTPIdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}
