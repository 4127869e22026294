package wire

// Error frame codes. A client may see any of these in an Error frame; the
// connection stays open unless a close code follows.
const (
	// CodeBadFrame: the frame was not a JSON object of a known type with
	// valid fields. Repeated bad frames close the connection with 1008.
	CodeBadFrame = "bad_frame"
	// CodeRateLimited: the pub exceeded the connection's rate; it was not
	// published. Resend it later with the same id. Sustained excess closes
	// the connection with 1008.
	CodeRateLimited = "rate_limited"
	// CodeUnavailable: the relay cannot publish right now (its broker is
	// down); the pub was not published. Resend it later with the same id.
	CodeUnavailable = "unavailable"

	// Codes of the extension "many rooms" (sub, unsub, signal). Each error
	// carries the room it is about.

	// CodeInvalidRoom: a sub named no valid room (1–64 characters of
	// A-Za-z0-9._-).
	CodeInvalidRoom = "invalid_room"
	// CodeForbidden: a sub's token is missing, forged, expired, for another
	// room or bound to another cid (relays with a secret).
	CodeForbidden = "forbidden"
	// CodeTooManyRooms: the relay holds its maximum of rooms and the room
	// of the sub is not one of them. Retry later.
	CodeTooManyRooms = "too_many_rooms"
	// CodeTooManySubs: the connection is in its maximum of rooms already.
	CodeTooManySubs = "too_many_subs"
	// CodeAlreadySubscribed: a sub of a room the connection is in.
	CodeAlreadySubscribed = "already_subscribed"
	// CodeNotSubscribed: an unsub, pub, meta or signal for a room the
	// connection is not in.
	CodeNotSubscribed = "not_subscribed"
	// CodeTooBig: a signal's data is over MaxSignalData bytes.
	CodeTooBig = "too_big"
)

// WebSocket close codes the relay uses, as numbers so that this package needs
// no WebSocket library.
const (
	CloseNormal        = 1000 // the client asked to close
	CloseGoingAway     = 1001 // the relay is shutting down; reconnect
	ClosePolicy        = 1008 // repeated bad frames or sustained rate abuse
	CloseTooBig        = 1009 // a frame exceeded the relay's -max-message
	CloseTryAgainLater = 1013 // the member's outbound queue overflowed; reconnect with since=
)
