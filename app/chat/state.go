package chat

// ConnState is the state of the Client's link to the relay, shown to the person.
type ConnState int

const (
	// StateConnecting: the first dial of this Run is in progress.
	StateConnecting ConnState = iota
	// StateOnline: the relay welcomed us; messages flow.
	StateOnline
	// StateOffline: the link is down; View.RetryAt says when the next attempt is.
	StateOffline
	// StateReconnecting: a dial after a lost link is in progress.
	StateReconnecting
	// StateDenied: the relay refused us (401 token, 403 origin). No automatic
	// retry: retrying cannot help until something changes; RetryNow tries once.
	StateDenied
	// StateInvalid: the relay refused the room or client id (400). No
	// automatic retry, like StateDenied.
	StateInvalid
)

var connStateNames = [...]string{"connecting", "online", "offline", "reconnecting", "denied", "invalid"}

func (s ConnState) String() string {
	if s < 0 || int(s) >= len(connStateNames) {
		return "unknown"
	}
	return connStateNames[s]
}

// Status is the delivery state of one of my messages.
type Status int

const (
	// StatusPending: queued in the outbox, not written on the current connection.
	StatusPending Status = iota
	// StatusSent: written to the socket; waiting for the relay's echo.
	StatusSent
	// StatusDelivered: the relay echoed it, so every member got it.
	StatusDelivered
	// StatusFailed: the relay refused it for good (too large for it, a
	// bad_frame); Line.Failure says why. It stays in the outbox, not sent,
	// until the person retries (Client.Retry) or deletes it (Client.Delete);
	// later messages are sent past it.
	StatusFailed
)

var statusNames = [...]string{"pending", "sent", "delivered", "failed"}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return "unknown"
	}
	return statusNames[s]
}

// LineKind tells the UI how to render a Line.
type LineKind int

const (
	// LineMessage is a chat message (mine or someone else's).
	LineMessage LineKind = iota
	// LineSystem is a notice: welcome, joins, leaves, renames.
	LineSystem
	// LineGap is the divider "some messages may be missing": the relay could
	// not replay everything since our last seq.
	LineGap
)

var lineKindNames = [...]string{"message", "system", "gap"}

func (k LineKind) String() string {
	if k < 0 || int(k) >= len(lineKindNames) {
		return "unknown"
	}
	return lineKindNames[k]
}
