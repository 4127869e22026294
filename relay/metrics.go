package relay

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/chatpwa/chat/relay/wire"
)

// Reasons a member is dropped, the label values of relay_dropped_total.
const (
	dropSlowConsumer = "slow_consumer" // outbound queue full, close 1013
	dropWriteTimeout = "write_timeout" // one write took longer than WriteTimeout
	dropPingTimeout  = "ping_timeout"  // no pong within PingTimeout
	dropTooBig       = "too_big"       // frame over MaxMessage, close 1009
	dropBadFrames    = "bad_frames"    // repeated bad frames, close 1008
	dropRateAbuse    = "rate_abuse"    // sustained rate excess, close 1008
)

// Reasons a handshake is refused, the label values of relay_rejected_total.
const (
	rejectBadRequest = "bad_request" // 400
	rejectOrigin     = "origin"      // 403
	rejectToken      = "token"       // 401
	rejectCapacity   = "capacity"    // 503
	rejectRooms      = "rooms"       // 503 too many rooms (-max-rooms)

	rejectHandshakeRate = "handshake_rate" // 429 too many handshakes
	rejectAddressConns  = "address_conns"  // 429 too many connections from this address
)

// metrics are the relay's Prometheus metrics, in a registry owned by one
// Server so that a process (or a test) can run several servers.
type metrics struct {
	registry *prometheus.Registry

	connections  prometheus.Gauge
	rooms        prometheus.Gauge
	messagesIn   prometheus.Counter
	deliveries   prometheus.Counter
	pingTimeouts prometheus.Counter
	dropped      map[string]prometheus.Counter
	rejected     map[string]prometheus.Counter
	refused      map[string]prometheus.Counter

	// The extension "many rooms" (sub.go, subscribe.go, signal.go).
	subscriptions prometheus.Gauge
	subs          prometheus.Counter
	unsubs        prometheus.Counter
	signals       prometheus.Counter

	// Broker metrics: zero for the in-memory relay.
	brokerConnected  prometheus.Gauge
	brokerPublished  prometheus.Counter
	brokerReceived   prometheus.Counter
	brokerReconnects prometheus.Counter
	brokerLag        prometheus.Histogram

	// Bounds of memory and storage (hub.go, log_memory.go).
	historyBytes     prometheus.Gauge
	historyEvictions prometheus.Counter
	// brokerInvalid counts what was read from NATS and dropped as invalid.
	brokerInvalid prometheus.Counter
	// brokerStreamsRemoved counts the idle room streams this relay removed.
	brokerStreamsRemoved prometheus.Counter
	// brokerFeedResumes counts room feeds restarted after they stalled.
	brokerFeedResumes prometheus.Counter
	// memoryTrims counts the times memory was returned to the OS after a
	// burst of connections (memory_trim.go).
	memoryTrims prometheus.Counter
	// writers is the writer pool's goroutines (writer_pool.go), stuck ones
	// included; writerStalls counts workers replaced because one write of
	// theirs lasted while others waited: peers that stopped reading.
	writers      prometheus.Gauge
	writerStalls prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "relay_connections",
			Help: "Open WebSocket connections.",
		}),
		rooms: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "relay_rooms",
			Help: "Rooms held in memory: rooms with members, and empty rooms whose recovery window has not expired yet.",
		}),
		messagesIn: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_messages_in_total",
			Help: "Messages published into rooms (each got a seq; deduplicated resends are not counted).",
		}),
		deliveries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_deliveries_total",
			Help: "Frame objects queued for members: msg, join, leave, meta, welcome, replay, pong and error.",
		}),
		pingTimeouts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_ping_timeouts_total",
			Help: "Connections dropped because no pong arrived within the ping timeout.",
		}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "relay_subscriptions",
			Help: "Rooms the open connections are in, summed over connections (first rooms included): relay_subscriptions / relay_connections is the mean rooms per connection.",
		}),
		subs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_subs_total",
			Help: "Rooms joined with a sub frame (answered with welcome), beyond each connection's first room.",
		}),
		unsubs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_unsubs_total",
			Help: "Rooms left with an unsub frame.",
		}),
		signals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_signals_total",
			Help: "Signal frames relayed from this relay's clients (refused ones excluded); their deliveries count in relay_deliveries_total.",
		}),
		brokerConnected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "relay_broker_connected",
			Help: "1 while the relay is connected to its broker (NATS), else 0; always 1 in memory.",
		}),
		brokerPublished: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_broker_published_total",
			Help: "Messages this relay stored in the broker (NATS JetStream); deduplicated resends excluded.",
		}),
		brokerReceived: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_broker_received_total",
			Help: "Messages this relay received from the broker for its members, from any relay.",
		}),
		brokerReconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_broker_reconnects_total",
			Help: "Times the relay reconnected to the broker after losing it.",
		}),
		brokerLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "relay_broker_lag_seconds",
			Help:    "Time from the broker storing a message to this relay fanning it out to its members.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}),
		historyBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "relay_history_bytes",
			Help: "Bytes held by the recovery windows of every room in memory (bounded by -history-bytes).",
		}),
		historyEvictions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_history_evictions_total",
			Help: "Messages evicted from recovery windows for lack of space (-history-bytes, -room-history-bytes) before their count or age limit.",
		}),
		brokerInvalid: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_broker_invalid_total",
			Help: "Messages and presence events read from the broker (NATS) that were invalid and dropped.",
		}),
		brokerStreamsRemoved: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_broker_streams_removed_total",
			Help: "Room streams this relay removed from NATS JetStream because their room was idle past -history-age.",
		}),
		brokerFeedResumes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_broker_feed_resumes_total",
			Help: "Room feeds this relay restarted because they stopped delivering a stream that had moved on (after NATS restarts).",
		}),
		memoryTrims: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_memory_trims_total",
			Help: "Times the relay returned freed memory to the OS once a burst of connections had calmed (-memory-trim-after).",
		}),
		writers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "relay_writers",
			Help: "Goroutines of the writer pool that write every member's frames, stuck ones included.",
		}),
		writerStalls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relay_writer_stalls_total",
			Help: "Writers replaced because one write lasted 5 ms while other members waited (a peer not reading).",
		}),
	}
	dropped := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "relay_dropped_total",
		Help: "Connections the relay dropped, by reason.",
	}, []string{"reason"})
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "relay_rejected_total",
		Help: "WebSocket handshakes refused before the upgrade, by reason.",
	}, []string{"reason"})
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "relay_refused_frames_total",
		Help: "Client frames answered with an error frame, by error code.",
	}, []string{"code"})
	// Resolving every label value up front makes each series visible at 0
	// and keeps the label lookup off the hot path.
	m.dropped = curry(dropped, dropSlowConsumer, dropWriteTimeout, dropPingTimeout, dropTooBig, dropBadFrames, dropRateAbuse)
	m.rejected = curry(rejected, rejectBadRequest, rejectOrigin, rejectToken, rejectCapacity, rejectRooms,
		rejectHandshakeRate, rejectAddressConns)
	m.refused = curry(refused, wire.CodeBadFrame, wire.CodeRateLimited, wire.CodeUnavailable,
		wire.CodeInvalidRoom, wire.CodeForbidden, wire.CodeTooManyRooms, wire.CodeTooManySubs,
		wire.CodeAlreadySubscribed, wire.CodeNotSubscribed, wire.CodeTooBig)

	m.registry.MustRegister(
		m.connections, m.rooms, m.messagesIn, m.deliveries, m.pingTimeouts,
		m.subscriptions, m.subs, m.unsubs, m.signals,
		dropped, rejected, refused,
		m.brokerConnected, m.brokerPublished, m.brokerReceived, m.brokerReconnects, m.brokerLag,
		m.historyBytes, m.historyEvictions, m.brokerInvalid, m.brokerStreamsRemoved, m.brokerFeedResumes,
		m.memoryTrims, m.writers, m.writerStalls,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

func curry(vec *prometheus.CounterVec, values ...string) map[string]prometheus.Counter {
	byValue := make(map[string]prometheus.Counter, len(values))
	for _, v := range values {
		byValue[v] = vec.WithLabelValues(v)
	}
	return byValue
}
