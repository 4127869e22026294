package relay

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"time"
)

// Defaults used for every zero field of a Config.
const (
	// DefaultAddr is the listen address of Run.
	DefaultAddr = ":8080"

	// DefaultPingInterval is how often the relay pings each connection.
	// Below the 30–60s idle timeouts of common proxies and NATs.
	DefaultPingInterval = 25 * time.Second
	// DefaultPingTimeout is how long a pong may take before the peer is
	// dropped. A ping and its timeout together stay under a minute.
	DefaultPingTimeout = 20 * time.Second
	// DefaultWriteTimeout bounds one write to a connection; a peer that
	// cannot take a frame for this long is dropped.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultShutdownTimeout bounds the graceful part of Run's shutdown;
	// connections still open afterwards are cut.
	DefaultShutdownTimeout = 10 * time.Second

	// DefaultMaxMessage is the largest frame, in bytes, a client may send.
	DefaultMaxMessage = 64 << 10
	// DefaultRate is the sustained number of pub and meta frames per second
	// one connection may send.
	DefaultRate = 10.0
	// DefaultBurst is how many pub and meta frames a connection may send at
	// once above DefaultRate.
	DefaultBurst = 20
	// DefaultQueue is the number of frames queued for one member before the
	// member is dropped as too slow (close 1013).
	DefaultQueue = 256
	// DefaultPresenceLimit is the number of members past which a room's
	// presence is coalesced: members get the count and the changes to a
	// list of this many peers at most once per second, instead of every
	// join, leave and meta (which costs N² frames while a room fills).
	DefaultPresenceLimit = 200
	// DefaultHistory is how many messages per room the recovery window keeps.
	DefaultHistory = 500
	// DefaultHistoryAge is how long the recovery window keeps a message.
	DefaultHistoryAge = 10 * time.Minute
	// DefaultMaxConns is the number of simultaneous WebSocket connections
	// above which the relay answers 503.
	DefaultMaxConns = 10_000

	// DefaultPresenceInterval is how often a relay sharing rooms over NATS
	// heartbeats; a relay unheard for presenceMissedBeats intervals is gone,
	// and its members leave every room. Also how often a relay checks
	// that the others' presence matches its own view.
	DefaultPresenceInterval = time.Second
	// DefaultHistoryBytes bounds the sum of every room's recovery window in
	// memory (256 MiB); past it the oldest messages of the least recently
	// active rooms are evicted.
	DefaultHistoryBytes = 256 << 20
	// DefaultRoomHistoryBytes bounds one room's recovery window (4 MiB).
	DefaultRoomHistoryBytes = 4 << 20
	// DefaultMaxRooms is the number of rooms held in memory above which a
	// handshake into a new room is answered 503.
	DefaultMaxRooms = 100_000
	// DefaultMaxSubs is how many rooms one connection may be in, its first
	// room included (extension "many rooms"): a PWA keeps its 16 recent
	// rooms live on one connection, with room to spare.
	DefaultMaxSubs = 32
	// DefaultSignalRate is the sustained signal frames per second per
	// connection: typing indicators every few seconds and read marks.
	DefaultSignalRate = 5.0
	// DefaultSignalBurst is the signal burst per connection.
	DefaultSignalBurst = 10

	// DefaultBrokerTimeout bounds one request to NATS JetStream (publish,
	// stream lookup, replay); a pub that times out is refused with
	// error unavailable.
	DefaultBrokerTimeout = 5 * time.Second
)

// Defaults of the HTTP edge: per-address limits and the http.Server's
// timeouts. A relay on the open internet meets clients that open many
// connections from one address, or open sockets and send nothing.
const (
	// DefaultMaxConnsPerIP is how many WebSocket connections one client
	// address (an IPv4 address, an IPv6 /64) may hold at once; one more gets
	// 429. A household or office behind one NAT stays well below it.
	DefaultMaxConnsPerIP = 256
	// DefaultHandshakesPerIP is the sustained number of /ws requests
	// (handshakes and diagnoses) per second one client address may make.
	DefaultHandshakesPerIP = 20.0
	// DefaultHandshakeBurst is how many /ws requests one client address may
	// make at once above DefaultHandshakesPerIP: a page that reconnects
	// several rooms, or everyone behind a NAT after a relay restart.
	DefaultHandshakeBurst = 50

	// DefaultReadHeaderTimeout bounds how long a client may take to send its
	// request headers: a socket that sends nothing, or half a header, is
	// closed after it (slowloris).
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultHTTPReadTimeout bounds reading a whole request, headers included.
	DefaultHTTPReadTimeout = 30 * time.Second
	// DefaultHTTPWriteTimeout bounds writing the answer to a plain HTTP
	// request (pages, app.wasm, metrics), counted from the end of its
	// headers; long enough for app.wasm over a slow mobile link. WebSocket
	// connections are not bound by it: net/http clears a connection's
	// deadlines when the relay hijacks it for the upgrade.
	DefaultHTTPWriteTimeout = 60 * time.Second
	// DefaultHTTPIdleTimeout is how long a keep-alive connection may wait
	// for its next request.
	DefaultHTTPIdleTimeout = 60 * time.Second
	// DefaultMemoryTrimAfter is how long handshakes must have paused after a
	// burst before the relay returns freed memory to the OS.
	DefaultMemoryTrimAfter = time.Second
	// DefaultMemoryTrimBurst is how many connections make a burst.
	DefaultMemoryTrimBurst = 1000
)

// DefaultTrustedProxies are the peers whose X-Forwarded-For or Forwarded
// header names the client address: the loopback addresses, where the
// README's proxies (Caddy, nginx) run next to the relay.
var DefaultTrustedProxies = []string{"127.0.0.0/8", "::1/128"}

// Unlimited, in MaxConnsPerIP, HandshakesPerIP or PresenceLimit, turns that limit off
// (benchmarks and tests that open many connections from one address).
const Unlimited = -1

// minMaxMessage is the smallest MaxMessage that still fits a pub frame with
// a maximal id and a few bytes of data.
const minMaxMessage = 256

// Config configures a Server. The zero value is usable: every zero field
// means its Default* constant.
type Config struct {
	// Addr is the address Run listens on (DefaultAddr).
	Addr string
	// Web is a directory holding the built web app, served at / when set.
	Web string
	// Origins lists the browser origins allowed to connect, as patterns
	// matched case-insensitively with path.Match against the Origin's host
	// ("chat.example.com", "*.example.com", "localhost:*"), or against
	// "scheme://host" when the pattern contains "://". The request's own host
	// is always allowed and so are requests without Origin (non-browser
	// clients). "*" allows every origin: only safe together with Secret,
	// because it lets any web page open connections with its visitors' help.
	Origins []string
	// Secret, when set, is the HMAC key of the HS256 tokens every
	// connection must present (see IssueToken). Empty: rooms are open.
	Secret string

	// PingInterval is how often the relay pings (DefaultPingInterval).
	PingInterval time.Duration
	// PingTimeout is how long a pong may take (DefaultPingTimeout).
	PingTimeout time.Duration
	// WriteTimeout bounds one write to a peer (DefaultWriteTimeout).
	WriteTimeout time.Duration
	// ShutdownTimeout bounds Run's graceful shutdown (DefaultShutdownTimeout).
	ShutdownTimeout time.Duration

	// MaxMessage is the largest client frame in bytes (DefaultMaxMessage);
	// a larger one closes the connection with 1009. Also the size up to which
	// the relay batches outbound objects into one frame.
	MaxMessage int64
	// Rate is the sustained pub+meta frames per second per connection
	// (DefaultRate). Raising it raises what one client can make the relay
	// fan out to a whole room.
	Rate float64
	// Burst is the pub+meta burst per connection (DefaultBurst).
	Burst int
	// Queue is the outbound queue length per member, in frames
	// (DefaultQueue). Each queued frame is shared, so memory is mostly
	// bounded by History and MaxMessage, not by Queue.
	Queue int
	// PresenceLimit is the number of members past which a room's presence
	// is coalesced (DefaultPresenceLimit): its members then get at most one
	// presence frame per second (the count and the changes to the first
	// PresenceLimit members), and welcome lists only those. Unlimited (any
	// negative value) never coalesces: every member gets every join and
	// leave, N² frames while a room fills.
	PresenceLimit int
	// History is the number of messages kept per room (DefaultHistory).
	History int
	// HistoryAge is how long a message is kept (DefaultHistoryAge). A room
	// with no members is freed once its window is empty.
	HistoryAge time.Duration
	// MaxConns caps simultaneous WebSocket connections (DefaultMaxConns).
	MaxConns int
	// HistoryBytes bounds the sum of every room's recovery window in
	// memory, in bytes (DefaultHistoryBytes). Past it the oldest messages
	// of the least recently active rooms are evicted, rooms without
	// members first; a since= into what was evicted gets recovered:false.
	HistoryBytes int64
	// RoomHistoryBytes bounds one room's recovery window in bytes
	// (DefaultRoomHistoryBytes), in memory and, with NATS, the MaxBytes of
	// each room's stream.
	RoomHistoryBytes int
	// MaxRooms caps the rooms held in memory (DefaultMaxRooms): a handshake
	// into a new room beyond it gets 503 "too many rooms", a sub error
	// too_many_rooms.
	MaxRooms int
	// MaxSubs caps the rooms of one connection, its first room included
	// (DefaultMaxSubs); one more sub gets error too_many_subs. Each room
	// costs the relay a sub (about 100 bytes) per connection.
	MaxSubs int
	// SignalRate is the sustained signal frames per second per connection
	// (DefaultSignalRate); signals over it get error rate_limited and are
	// not relayed. Raising it raises what one client can make the relay
	// fan out to its rooms.
	SignalRate float64
	// SignalBurst is the signal burst per connection (DefaultSignalBurst).
	SignalBurst int

	// NATS lists the URLs of a NATS server (or cluster) with JetStream. When
	// set, rooms are shared by every relay connected to it: seq, recovery
	// window and dedup live in one JetStream stream per room, presence is
	// replicated between relays (see PROTOCOL.md, "Many relays"). Empty: the
	// relay keeps every room in its own memory.
	NATS []string
	// PresenceInterval is how often relays sharing rooms heartbeat
	// (DefaultPresenceInterval); members of a relay unheard for three
	// intervals leave everyone's presence. Unused without NATS.
	PresenceInterval time.Duration
	// BrokerTimeout bounds one request to NATS JetStream
	// (DefaultBrokerTimeout). Unused without NATS.
	BrokerTimeout time.Duration

	// MaxConnsPerIP caps the WebSocket connections of one client address,
	// IPv6 counted per /64 (DefaultMaxConnsPerIP); Unlimited (any negative
	// value) turns the cap off. More get 429 before the upgrade.
	MaxConnsPerIP int
	// HandshakesPerIP is the sustained /ws requests per second of one client
	// address (DefaultHandshakesPerIP); Unlimited (any negative value) turns
	// the limit off. More get 429 before any other check.
	HandshakesPerIP float64
	// HandshakeBurst is the /ws burst per client address above
	// HandshakesPerIP (DefaultHandshakeBurst).
	HandshakeBurst int
	// TrustedProxies lists the peers, as CIDRs or single addresses, from
	// which X-Forwarded-For (or, without it, Forwarded) names the client
	// address that the per-address limits count: its rightmost hop that is
	// not itself trusted. nil means DefaultTrustedProxies; an empty non-nil
	// slice trusts no peer. Trusting a peer that does not overwrite or append
	// to the header lets any client choose its own address.
	TrustedProxies []string

	// RequireCKey refuses connections that name their cid with cid= instead
	// of proving it with ckey= (400 "ckey required"), so that nobody can
	// connect as someone else's cid. See PROTOCOL.md, "Client keys".
	RequireCKey bool

	// MetricsAddr, when set, is a second listen address of Run and Serve that
	// serves GET /metrics alone; the main listener then has no /metrics.
	// Empty: /metrics is on the main listener, for loopback clients only.
	MetricsAddr string

	// ReadHeaderTimeout bounds reading request headers (DefaultReadHeaderTimeout).
	ReadHeaderTimeout time.Duration
	// HTTPReadTimeout bounds reading a whole request (DefaultHTTPReadTimeout).
	HTTPReadTimeout time.Duration
	// HTTPWriteTimeout bounds writing a plain HTTP answer
	// (DefaultHTTPWriteTimeout); WebSocket connections are not bound by it.
	HTTPWriteTimeout time.Duration
	// HTTPIdleTimeout bounds a keep-alive connection's wait for its next
	// request (DefaultHTTPIdleTimeout).
	HTTPIdleTimeout time.Duration

	// MemoryTrimAfter: once MemoryTrimBurst connections have been accepted
	// since the last trim and no handshake has arrived for this long, the
	// relay returns the memory the burst left free to the OS
	// (debug.FreeOSMemory, process-wide). DefaultMemoryTrimAfter when zero;
	// negative turns trimming off.
	MemoryTrimAfter time.Duration
	// MemoryTrimBurst is the connections that make a burst
	// (DefaultMemoryTrimBurst).
	MemoryTrimBurst int

	// TLSCert and TLSKey are PEM files; when both are set Run serves TLS.
	TLSCert string
	TLSKey  string

	// Logger receives the relay's logs (slog.Default() when nil).
	Logger *slog.Logger
}

// Validate reports every invalid field of c, treating zero fields as their
// defaults. New calls it.
func (c Config) Validate() error {
	var errs []error
	positive := func(name string, d time.Duration) {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %v", name, d))
		}
	}
	positive("ping interval", c.PingInterval)
	positive("ping timeout", c.PingTimeout)
	positive("write timeout", c.WriteTimeout)
	positive("shutdown timeout", c.ShutdownTimeout)
	positive("history age", c.HistoryAge)
	positive("presence interval", c.PresenceInterval)
	positive("broker timeout", c.BrokerTimeout)
	positive("read header timeout", c.ReadHeaderTimeout)
	positive("http read timeout", c.HTTPReadTimeout)
	positive("http write timeout", c.HTTPWriteTimeout)
	positive("http idle timeout", c.HTTPIdleTimeout)
	if c.MemoryTrimBurst < 0 {
		errs = append(errs, fmt.Errorf("memory trim burst must not be negative, got %d", c.MemoryTrimBurst))
	}
	if c.HandshakeBurst < 0 {
		errs = append(errs, fmt.Errorf("handshake burst must not be negative, got %d", c.HandshakeBurst))
	}
	if _, err := parseTrustedProxies(c.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	if c.MaxMessage < 0 || (c.MaxMessage > 0 && c.MaxMessage < minMaxMessage) {
		errs = append(errs, fmt.Errorf("max message must be at least %d bytes, got %d", minMaxMessage, c.MaxMessage))
	}
	if c.Rate < 0 {
		errs = append(errs, fmt.Errorf("rate must not be negative, got %v", c.Rate))
	}
	if c.SignalRate < 0 {
		errs = append(errs, fmt.Errorf("signal rate must not be negative, got %v", c.SignalRate))
	}
	for _, f := range []struct {
		name string
		n    int
	}{{"burst", c.Burst}, {"queue", c.Queue}, {"history", c.History}, {"max conns", c.MaxConns},
		{"room history bytes", c.RoomHistoryBytes}, {"max rooms", c.MaxRooms},
		{"max subs", c.MaxSubs}, {"signal burst", c.SignalBurst}} {
		if f.n < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %d", f.name, f.n))
		}
	}
	if c.HistoryBytes < 0 {
		errs = append(errs, fmt.Errorf("history bytes must not be negative, got %d", c.HistoryBytes))
	}
	for _, p := range c.Origins {
		if _, err := path.Match(p, ""); err != nil {
			errs = append(errs, fmt.Errorf("origin pattern %q: %w", p, err))
		}
	}
	for _, u := range c.NATS {
		if u == "" {
			errs = append(errs, errors.New("nats url must not be empty"))
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("tls cert and tls key must be set together"))
	}
	if c.Web != "" {
		if fi, err := os.Stat(c.Web); err != nil {
			errs = append(errs, fmt.Errorf("web dir: %w", err))
		} else if !fi.IsDir() {
			errs = append(errs, fmt.Errorf("web dir %s is not a directory", c.Web))
		}
	}
	return errors.Join(errs...)
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	setDefault(&c.Addr, DefaultAddr)
	setDefault(&c.PingInterval, DefaultPingInterval)
	setDefault(&c.PingTimeout, DefaultPingTimeout)
	setDefault(&c.WriteTimeout, DefaultWriteTimeout)
	setDefault(&c.ShutdownTimeout, DefaultShutdownTimeout)
	setDefault(&c.MaxMessage, DefaultMaxMessage)
	setDefault(&c.Rate, DefaultRate)
	setDefault(&c.Burst, DefaultBurst)
	setDefault(&c.Queue, DefaultQueue)
	setDefault(&c.PresenceLimit, DefaultPresenceLimit)
	setDefault(&c.History, DefaultHistory)
	setDefault(&c.HistoryAge, DefaultHistoryAge)
	setDefault(&c.MaxConns, DefaultMaxConns)
	setDefault(&c.HistoryBytes, DefaultHistoryBytes)
	setDefault(&c.RoomHistoryBytes, DefaultRoomHistoryBytes)
	setDefault(&c.MaxRooms, DefaultMaxRooms)
	setDefault(&c.MaxSubs, DefaultMaxSubs)
	setDefault(&c.SignalRate, DefaultSignalRate)
	setDefault(&c.SignalBurst, DefaultSignalBurst)
	setDefault(&c.PresenceInterval, DefaultPresenceInterval)
	setDefault(&c.BrokerTimeout, DefaultBrokerTimeout)
	setDefault(&c.MaxConnsPerIP, DefaultMaxConnsPerIP)
	setDefault(&c.HandshakesPerIP, DefaultHandshakesPerIP)
	setDefault(&c.HandshakeBurst, DefaultHandshakeBurst)
	setDefault(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDefault(&c.HTTPReadTimeout, DefaultHTTPReadTimeout)
	setDefault(&c.HTTPWriteTimeout, DefaultHTTPWriteTimeout)
	setDefault(&c.HTTPIdleTimeout, DefaultHTTPIdleTimeout)
	setDefault(&c.MemoryTrimAfter, DefaultMemoryTrimAfter)
	setDefault(&c.MemoryTrimBurst, DefaultMemoryTrimBurst)
	if c.TrustedProxies == nil {
		c.TrustedProxies = DefaultTrustedProxies
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}
