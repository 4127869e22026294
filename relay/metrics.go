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

	// Broker metrics: zero for the in-memory relay.
	brokerConnected  prometheus.Gauge
	brokerPublished  prometheus.Counter
	brokerReceived   prometheus.Counter
	brokerReconnects prometheus.Counter
	brokerLag        prometheus.Histogram
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
	m.rejected = curry(rejected, rejectBadRequest, rejectOrigin, rejectToken, rejectCapacity)
	m.refused = curry(refused, wire.CodeBadFrame, wire.CodeRateLimited, wire.CodeUnavailable)

	m.registry.MustRegister(
		m.connections, m.rooms, m.messagesIn, m.deliveries, m.pingTimeouts,
		dropped, rejected, refused,
		m.brokerConnected, m.brokerPublished, m.brokerReceived, m.brokerReconnects, m.brokerLag,
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
