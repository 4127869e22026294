package chat

import "time"

// Timing and size defaults of the Client. The keepalive pair follows the
// rule pingInterval > pongTimeout: a ping is answered (or the link declared
// dead) before the next one is due.
const (
	// DefaultBackoffBase is the first reconnect delay's upper bound; it
	// doubles per failed attempt (full jitter: the delay is rand*bound).
	DefaultBackoffBase = 500 * time.Millisecond
	// DefaultBackoffCap bounds the reconnect delay.
	DefaultBackoffCap = 30 * time.Second
	// DefaultPingInterval is how often the client sends an app-level ping:
	// browsers neither expose WebSocket pings nor notice a silently dead link.
	DefaultPingInterval = 15 * time.Second
	// DefaultPongTimeout is how long the client waits for any frame after a
	// ping (or for the welcome after connecting) before it declares the
	// link dead and reconnects.
	DefaultPongTimeout = 10 * time.Second
	// DefaultStableLink is how long a link must have stayed up (since its
	// welcome) for the reconnect backoff to start again from
	// DefaultBackoffBase: a relay that welcomes and then drops at once must
	// not be redialled every few hundred milliseconds.
	DefaultStableLink = 30 * time.Second
	// DefaultFailoverAttempts is how many attempts in a row may fail on one
	// relay before the client moves to the next of Options.Relays: one
	// failure may be a blip of the network, two in a row (with the backoff
	// between them) say that relay is gone.
	DefaultFailoverAttempts = 2
	// DefaultDialTimeout bounds one connection attempt.
	DefaultDialTimeout = 20 * time.Second
	// DefaultPersistDelay coalesces history writes: at 100 messages/s the
	// 500-message history is written at most once per delay.
	DefaultPersistDelay = time.Second
	// DefaultResendDelay is how long the outbox waits after the relay
	// answered rate_limited or unavailable before sending again.
	DefaultResendDelay = 2 * time.Second
	// DefaultJoinGrace is how long a "X joined" line waits for the newcomer's
	// meta frame, so that it shows the nickname rather than a client id.
	DefaultJoinGrace = 2 * time.Second
	// DefaultMaxMessage is the relay's frame limit assumed until a welcome
	// carries max_message (bytes), the contract's default of 64 KiB.
	DefaultMaxMessage = 64 << 10
	// MaxHistory is how many messages per room are persisted in the Store.
	MaxHistory = 500
	// MaxNickLen is the longest nickname SetNick accepts (characters).
	MaxNickLen = 32
)
