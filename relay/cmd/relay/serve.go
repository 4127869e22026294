package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/chatpwa/chat/relay"
)

const serveUsage = `Usage:
  relay [flags]                                               serve rooms (and the web app with -web)
  relay token -secret S -room R -ttl 24h [-name N] [-cid C]   print an invite token

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
		trusted   = commaList(slices.Clone(relay.DefaultTrustedProxies)) // Set reuses the array
		logLevel  slog.Level
		logFormat string
		minProcs  int
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
	fs.IntVar(&cfg.PresenceLimit, "presence-limit", relay.DefaultPresenceLimit, "members past which a room's presence is coalesced: a count and the changes to a list of this many, once per second; 0 = never (every join and leave to everyone)")
	fs.IntVar(&cfg.History, "history", relay.DefaultHistory, "messages kept per room for recovery (since=) and dedup")
	fs.DurationVar(&cfg.HistoryAge, "history-age", relay.DefaultHistoryAge, "how long a message is kept for recovery and dedup")
	fs.IntVar(&cfg.MaxConns, "max-conns", relay.DefaultMaxConns, "simultaneous WebSocket connections; more get HTTP 503")
	fs.Var(&natsURLs, "nats", "comma-separated NATS URLs (JetStream enabled): share rooms with every relay on the same NATS; none: rooms live in this relay's memory")
	fs.DurationVar(&cfg.PresenceInterval, "presence-interval", relay.DefaultPresenceInterval, "with -nats: how often relays heartbeat; members of a relay silent for 3 intervals leave")
	fs.DurationVar(&cfg.BrokerTimeout, "broker-timeout", relay.DefaultBrokerTimeout, "with -nats: how long one NATS JetStream request may take before a pub is refused as unavailable")
	fs.IntVar(&cfg.MaxConnsPerIP, "max-conns-per-ip", relay.DefaultMaxConnsPerIP, "WebSocket connections per client address (IPv6: per /64); more get HTTP 429; 0 = unlimited")
	fs.Float64Var(&cfg.HandshakesPerIP, "handshakes-per-ip", relay.DefaultHandshakesPerIP, "sustained /ws requests per second per client address; more get HTTP 429; 0 = unlimited")
	fs.IntVar(&cfg.HandshakeBurst, "handshake-burst", relay.DefaultHandshakeBurst, "/ws requests a client address may make at once above -handshakes-per-ip")
	fs.Var(&trusted, "trusted-proxies", "comma-separated CIDRs or addresses of proxies whose X-Forwarded-For (or Forwarded) names the client address; none: trust no proxy")
	fs.BoolVar(&cfg.RequireCKey, "require-ckey", false, "refuse cid= (HTTP 400 ckey required): every client must prove its cid with ckey=")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "serve GET /metrics on this address only (none: on the main listener, to loopback clients only)")
	fs.DurationVar(&cfg.ReadHeaderTimeout, "read-header-timeout", relay.DefaultReadHeaderTimeout, "how long a client may take to send its request headers")
	fs.DurationVar(&cfg.HTTPReadTimeout, "http-read-timeout", relay.DefaultHTTPReadTimeout, "how long reading a whole HTTP request may take")
	fs.DurationVar(&cfg.HTTPWriteTimeout, "http-write-timeout", relay.DefaultHTTPWriteTimeout, "how long writing a plain HTTP answer may take (not WebSocket connections)")
	fs.DurationVar(&cfg.HTTPIdleTimeout, "http-idle-timeout", relay.DefaultHTTPIdleTimeout, "how long a keep-alive connection may wait for its next request")
	fs.DurationVar(&cfg.MemoryTrimAfter, "memory-trim-after", relay.DefaultMemoryTrimAfter, "after a burst of connections, return freed memory to the OS once handshakes have paused this long; 0 = never")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate PEM file (with -tls-key: serve HTTPS/WSS)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key PEM file")
	// Bounds of memory and storage (issue 10, section 1).
	fs.Int64Var(&cfg.HistoryBytes, "history-bytes", relay.DefaultHistoryBytes, "bytes of every room's recovery window together, in memory; past it the oldest messages of the least recently active rooms are evicted")
	fs.IntVar(&cfg.RoomHistoryBytes, "room-history-bytes", relay.DefaultRoomHistoryBytes, "bytes of one room's recovery window (with -nats: each room stream's MaxBytes)")
	fs.IntVar(&cfg.MaxRooms, "max-rooms", relay.DefaultMaxRooms, "rooms held in memory; a handshake into one more gets HTTP 503 too many rooms")
	fs.IntVar(&cfg.MaxSubs, "max-subs", relay.DefaultMaxSubs, "rooms one connection may be in, its first room included; one more sub gets error too_many_subs")
	fs.Float64Var(&cfg.SignalRate, "signal-rate", relay.DefaultSignalRate, "sustained signal frames per second per connection; more get error rate_limited")
	fs.IntVar(&cfg.SignalBurst, "signal-burst", relay.DefaultSignalBurst, "signal frames a connection may send at once")
	fs.IntVar(&minProcs, "min-procs", DefaultMinProcs, "run at least this many Go Ps (GOMAXPROCS), even on one CPU, so that one waits in the network poller while the others write; the GOMAXPROCS environment variable wins; 0 or 1 = the Go runtime's choice")
	fs.TextVar(&logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn or error")
	fs.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	if err := parseFlags(fs, args, lookupEnv); err != nil {
		return err
	}
	cfg.Origins = origins
	cfg.NATS = natsURLs
	if cfg.MemoryTrimAfter == 0 { // the flag's 0 is never; Config's 0 is the default
		cfg.MemoryTrimAfter = -1
	}
	if err := applyAddressFlags(&cfg, trusted); err != nil {
		return err
	}
	if err := applyPresenceLimit(&cfg); err != nil {
		return err
	}

	opts := &slog.HandlerOptions{Level: logLevel}
	switch strings.ToLower(logFormat) {
	case "text":
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, opts))
	case "json":
		cfg.Logger = slog.New(slog.NewJSONHandler(stderr, opts))
	default:
		return fmt.Errorf("log format %q: want text or json", logFormat)
	}

	if minProcs < 0 {
		return errors.New("-min-procs must not be negative (0 = the Go runtime's choice)")
	}
	setMinProcs(minProcs, lookupEnv) // before New: the writer pool is sized by GOMAXPROCS
	srv, err := relay.New(cfg)
	if err != nil {
		return err
	}
	setMemoryLimit(cfg, lookupEnv)
	return srv.Run(ctx)
}

// memoryHeadroom is what the relay's heap may use besides its recovery windows
// (-history-bytes) before its garbage collector works harder: connections,
// buffers, and the garbage of the messages passing through; 16 MiB more of
// the 128 MiB budget are left to stacks and the runtime.
const memoryHeadroom = 112 << 20

// setMemoryLimit gives the Go runtime a soft memory limit of
// -history-bytes plus memoryHeadroom, unless GOMEMLIMIT sets one. Without
// it, a relay whose windows hold -history-bytes lets garbage grow to as
// much again before collecting (GOGC=100), and its RSS doubles.
func setMemoryLimit(cfg relay.Config, lookupEnv func(string) (string, bool)) {
	if _, set := lookupEnv("GOMEMLIMIT"); set {
		return
	}
	history := cfg.HistoryBytes
	if history == 0 {
		history = relay.DefaultHistoryBytes
	}
	debug.SetMemoryLimit(history + memoryHeadroom)
}

// applyPresenceLimit maps -presence-limit, where 0 means never coalesce
// (the flag shows its default), onto Config, where 0 means the default.
func applyPresenceLimit(cfg *relay.Config) error {
	switch {
	case cfg.PresenceLimit < 0:
		return errors.New("-presence-limit must not be negative (0 = never coalesce)")
	case cfg.PresenceLimit == 0:
		cfg.PresenceLimit = relay.Unlimited
	}
	return nil
}

// applyAddressFlags maps the per-address flags, where 0 means unlimited
// (the flag shows its default), onto Config, where 0 means the default.
func applyAddressFlags(cfg *relay.Config, trusted commaList) error {
	if cfg.MaxConnsPerIP < 0 || cfg.HandshakesPerIP < 0 {
		return errors.New("-max-conns-per-ip and -handshakes-per-ip must not be negative (0 = unlimited)")
	}
	if cfg.MaxConnsPerIP == 0 {
		cfg.MaxConnsPerIP = relay.Unlimited
	}
	if cfg.HandshakesPerIP == 0 {
		cfg.HandshakesPerIP = relay.Unlimited
	}
	cfg.TrustedProxies = []string(trusted)
	if len(trusted) == 1 && strings.EqualFold(trusted[0], "none") {
		cfg.TrustedProxies = []string{} // non-nil: trust nobody
	}
	return nil
}
