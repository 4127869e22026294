package relay

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATS connection settings. Reconnecting fast matters more than sparing the
// server: while disconnected the relay refuses every pub.
const (
	// natsReconnectWait is the longest wait between attempts to reconnect;
	// shorter presence intervals shorten it (see reconnectWait).
	natsReconnectWait = 500 * time.Millisecond
	// natsPingsPerInterval: the client pings NATS every
	// natsPingsPerInterval presence intervals, so a server that vanished
	// without closing the TCP connection is noticed within a few of them.
	natsPingsPerInterval = 5
)

// endBrokerUnavailable closes a connection that cannot join its room
// because NATS is unreachable: 1013 tells the client to come back later,
// and a load balancer (reading /readyz) sends it to another relay.
var endBrokerUnavailable = ending{name: "broker unavailable", code: websocket.StatusTryAgainLater, reason: "broker unavailable: reconnect with since"}

// errBrokerUnavailable is why a join or pub fails while NATS is unreachable.
var errBrokerUnavailable = errors.New("broker unavailable")

// natsConn is a relay's one connection to NATS, shared by its logs
// (log_nats.go) and its presence (presence_nats.go). See PROTOCOL.md,
// "Many relays".
type natsConn struct {
	urls     []string
	timeout  time.Duration
	interval time.Duration
	log      *slog.Logger
	metrics  *metrics
	// id names this relay to the others; random like conn ids.
	id string
	// onConnect runs on every (re)connection; set before connect.
	onConnect func()
	// subscriptions are made on connect, before onConnect first runs.
	subscriptions map[string]nats.MsgHandler

	nc atomic.Pointer[nats.Conn]
	js atomic.Pointer[jetstream.JetStream]

	// readyMu guards readyCh, closed and replaced whenever readiness may
	// have changed, for whoever waits for it (tests).
	readyMu sync.Mutex
	readyCh chan struct{}
	// broken counts rooms whose log cannot be followed now: the relay is
	// not ready while any is.
	broken atomic.Int64

	closing atomic.Bool
}

func newNATSConn(cfg Config, m *metrics) *natsConn {
	return &natsConn{
		urls:     cfg.NATS,
		timeout:  cfg.BrokerTimeout,
		interval: cfg.PresenceInterval,
		log:      cfg.Logger.With("broker", "nats"),
		metrics:  m,
		id:       newConnID(),
		readyCh:  make(chan struct{}),

		subscriptions: make(map[string]nats.MsgHandler),
	}
}

// connect connects to NATS, retrying until a server answers.
func (c *natsConn) connect() error {
	wait, jitter := c.reconnectWait()
	nc, err := nats.Connect(strings.Join(c.urls, ","),
		nats.Name("chat-relay "+c.id),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(wait),
		nats.ReconnectJitter(jitter, jitter),
		nats.PingInterval(natsPingsPerInterval*c.interval),
		nats.ConnectHandler(func(*nats.Conn) { c.connected(false) }),
		nats.ReconnectHandler(func(*nats.Conn) { c.connected(true) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			c.metrics.brokerConnected.Set(0)
			c.readyChanged()
			if !c.closing.Load() {
				c.log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			c.log.Warn("nats error", "err", err)
		}),
	)
	if err != nil {
		// Only a malformed URL or option gets here: connection failures retry.
		return err
	}
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(natsMaxPendingPubs),
		jetstream.WithPublishAsyncTimeout(c.timeout))
	if err != nil {
		nc.Close()
		return err
	}
	c.js.Store(&js)
	for subject, handler := range c.subscriptions {
		if _, err := nc.Subscribe(subject, handler); err != nil {
			c.log.Error("nats subscribe", "subject", subject, "err", err)
		}
	}
	c.nc.Store(nc)
	if nc.IsConnected() {
		c.connected(false)
	}
	return nil
}

// reconnectWait returns the wait between attempts to reconnect to NATS and
// its jitter. When NATS comes back, the other relays judge this one by its
// silence from their own reconnection on: one that reconnects
// presenceMissedBeats intervals after them is declared gone, and its
// members leave and join again everywhere. So a wait and its jitter
// together stay under one interval.
func (c *natsConn) reconnectWait() (wait, jitter time.Duration) {
	wait = min(natsReconnectWait, c.interval/2)
	return wait, wait / 2
}

// connected runs when the connection to NATS is (re)established.
func (c *natsConn) connected(again bool) {
	c.metrics.brokerConnected.Set(1)
	defer c.readyChanged()
	if again {
		c.metrics.brokerReconnects.Inc()
		c.log.Info("nats reconnected")
	} else {
		c.log.Info("nats connected")
	}
	if c.onConnect != nil {
		c.onConnect()
	}
}

// connectedNow reports whether the relay is connected to NATS.
func (c *natsConn) connectedNow() bool {
	nc := c.nc.Load()
	return nc != nil && nc.IsConnected() && !c.closing.Load()
}

// ready reports whether the relay is connected to NATS and follows every
// room it needs to.
func (c *natsConn) ready() bool { return c.connectedNow() && c.broken.Load() == 0 }

// readyChanged wakes whoever waits in readyNotify.
func (c *natsConn) readyChanged() {
	c.readyMu.Lock()
	defer c.readyMu.Unlock()
	close(c.readyCh)
	c.readyCh = make(chan struct{})
}

// readyNotify returns a channel closed at the next change of readiness.
func (c *natsConn) readyNotify() <-chan struct{} {
	c.readyMu.Lock()
	defer c.readyMu.Unlock()
	return c.readyCh
}

// jetStream returns the JetStream context once connected.
func (c *natsConn) jetStream() (jetstream.JetStream, error) {
	js := c.js.Load()
	if js == nil || !c.connectedNow() {
		return nil, errBrokerUnavailable
	}
	return *js, nil
}

// close flushes and closes the connection.
func (c *natsConn) close() {
	c.closing.Store(true)
	if nc := c.nc.Load(); nc != nil {
		if nc.IsConnected() { // while cut off, there is nobody to flush to
			_ = nc.FlushTimeout(c.timeout)
		}
		nc.Close()
	}
}
