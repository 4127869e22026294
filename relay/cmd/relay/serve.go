package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/chatpwa/chat/relay"
)

const serveUsage = `Usage:
  relay [flags]                                      serve rooms (and the web app with -web)
  relay token -secret S -room R -ttl 24h [-name N]   print an invite token

The relay speaks chat.v1 on GET /ws (see relay/PROTOCOL.md), answers
GET /healthz, GET /readyz and GET /metrics, and stops gracefully on SIGTERM or SIGINT.
Every flag can also be set with the environment variable shown next to it;
the command line wins. Prefer RELAY_SECRET to -secret: flags show in ps.

Flags:
`

// runServe parses the serve flags into a relay.Config and runs the relay
// until ctx is canceled.
func runServe(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stderr io.Writer) error {
	var (
		cfg       relay.Config
		origins   commaList
		natsURLs  commaList
		logLevel  slog.Level
		logFormat string
	)
	fs := newFlagSet("relay", stderr, serveUsage)
	fs.StringVar(&cfg.Addr, "addr", relay.DefaultAddr, "listen address")
	fs.StringVar(&cfg.Web, "web", "", "directory of the built web app to serve at / (none: relay only)")
	fs.Var(&origins, "origins", "comma-separated browser origins allowed besides the relay's own host, as path.Match patterns on the origin host (e.g. *.example.com,localhost:*) or on scheme://host; * allows all")
	fs.StringVar(&cfg.Secret, "secret", "", "HS256 secret; when set, every connection needs a token (see relay token)")
	fs.DurationVar(&cfg.PingInterval, "ping-interval", relay.DefaultPingInterval, "how often the relay pings each connection")
	fs.DurationVar(&cfg.PingTimeout, "ping-timeout", relay.DefaultPingTimeout, "how long a pong may take before the peer is dropped")
	fs.DurationVar(&cfg.WriteTimeout, "write-timeout", relay.DefaultWriteTimeout, "how long one write to a peer may take before it is dropped")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", relay.DefaultShutdownTimeout, "how long a graceful shutdown may take before connections are cut")
	fs.Int64Var(&cfg.MaxMessage, "max-message", relay.DefaultMaxMessage, "largest client frame in bytes; larger closes with 1009")
	fs.Float64Var(&cfg.Rate, "rate", relay.DefaultRate, "sustained pub+meta frames per second per connection")
	fs.IntVar(&cfg.Burst, "burst", relay.DefaultBurst, "pub+meta frames a connection may send at once")
	fs.IntVar(&cfg.Queue, "queue", relay.DefaultQueue, "outbound frames queued per member before it is dropped with 1013")
	fs.IntVar(&cfg.History, "history", relay.DefaultHistory, "messages kept per room for recovery (since=) and dedup")
	fs.DurationVar(&cfg.HistoryAge, "history-age", relay.DefaultHistoryAge, "how long a message is kept for recovery and dedup")
	fs.IntVar(&cfg.MaxConns, "max-conns", relay.DefaultMaxConns, "simultaneous WebSocket connections; more get HTTP 503")
	fs.Var(&natsURLs, "nats", "comma-separated NATS URLs (JetStream enabled): share rooms with every relay on the same NATS; none: rooms live in this relay's memory")
	fs.DurationVar(&cfg.PresenceInterval, "presence-interval", relay.DefaultPresenceInterval, "with -nats: how often relays heartbeat; members of a relay silent for 3 intervals leave")
	fs.DurationVar(&cfg.BrokerTimeout, "broker-timeout", relay.DefaultBrokerTimeout, "with -nats: how long one NATS JetStream request may take before a pub is refused as unavailable")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate PEM file (with -tls-key: serve HTTPS/WSS)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key PEM file")
	fs.TextVar(&logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn or error")
	fs.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	if err := parseFlags(fs, args, lookupEnv); err != nil {
		return err
	}
	cfg.Origins = origins
	cfg.NATS = natsURLs

	opts := &slog.HandlerOptions{Level: logLevel}
	switch strings.ToLower(logFormat) {
	case "text":
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, opts))
	case "json":
		cfg.Logger = slog.New(slog.NewJSONHandler(stderr, opts))
	default:
		return fmt.Errorf("log format %q: want text or json", logFormat)
	}

	srv, err := relay.New(cfg)
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}
