package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// readHeaderTimeout bounds how long a client may take to send request
// headers, against slowloris-style connection hoarding.
const readHeaderTimeout = 10 * time.Second

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
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.Start()
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	served := make(chan error, 1)
	go func() {
		if s.cfg.TLSCert != "" {
			served <- hs.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			served <- hs.Serve(ln)
		}
	}()
	s.log.Info("relay listening", "addr", ln.Addr().String(), "tls", s.cfg.TLSCert != "", "web", s.cfg.Web)

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
