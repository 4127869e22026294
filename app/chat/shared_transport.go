package chat

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"sync"
)

// SharedTransport carries every room of one relay on one connection, with
// the many-rooms extension of chat.v1 (PROTOCOL.md, "Extension: many rooms
// on one connection"): the first room a Client dials opens the connection
// with room= in its URL, every later one joins it with a sub. Each Client
// keeps its own Conn, so its per-room logic (seq, recovery, dedup, outbox,
// presence) is exactly that of a connection of its own, and nothing in the
// Client knows that the socket is shared.
//
// A relay without the extension answers the sub with bad_frame and no room;
// that room, and every later one, then gets a connection of its own. So does
// a room past the relay's -max-subs.
//
// Use NewSharedTransport once per page and give it to every Client.
type SharedTransport struct {
	inner Transport
	clock Clock

	mu sync.Mutex
	// links are the connections by the URL they were dialed with, less the
	// room's own parameters: rooms share one only with the same relay and
	// the same client id.
	links map[string][]*sharedLink
}

// NewSharedTransport shares the connections inner dials; clock (nil: real
// time) paces the frames of several rooms under the relay's rate and times
// the keepalive.
func NewSharedTransport(inner Transport, clock Clock) *SharedTransport {
	if clock == nil {
		clock = realClock{}
	}
	return &SharedTransport{inner: inner, clock: clock, links: map[string][]*sharedLink{}}
}

var _ Transport = (*SharedTransport)(nil)

// errCannotSub says that a link cannot take the room: its relay has no sub,
// or the connection is in as many rooms as the relay allows. The room goes
// to another link.
var errCannotSub = errors.New("this connection takes no more rooms")

// Dial joins the room that rawURL names: on a connection of the same relay
// and client id if there is one (with a sub), else on a new one. Its errors
// are those of Transport.Dial: a sub the relay refuses for the room is a
// *DialError with the status its handshake would have had.
func (t *SharedTransport) Dial(ctx context.Context, rawURL string) (Conn, error) {
	target, err := parseDialTarget(rawURL)
	if err != nil {
		return nil, err
	}
	for {
		t.mu.Lock()
		l := t.pickLocked(target.link)
		if l == nil {
			l = newSharedLink(t, target.link)
			t.links[target.link] = append(t.links[target.link], l)
			t.mu.Unlock()
			return l.dialFirst(ctx, rawURL, target.room)
		}
		t.mu.Unlock()
		select {
		case <-l.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		conn, err := l.sub(ctx, target)
		if errors.Is(err, errCannotSub) || errors.Is(err, errLinkGone) {
			continue // pick skips that link now
		}
		return conn, err
	}
}

// pickLocked is the link a room of key joins: one being dialed (wait for
// it) or one that is open and may take it; nil when a new one is needed.
func (t *SharedTransport) pickLocked(key string) *sharedLink {
	for _, l := range t.links[key] {
		if l.acceptsRooms() {
			return l
		}
	}
	return nil
}

// forget drops l once it is closed or dead: the next dial opens another.
func (t *SharedTransport) forget(l *sharedLink) {
	t.mu.Lock()
	defer t.mu.Unlock()
	links := t.links[l.key]
	for i, other := range links {
		if other == l {
			links = append(links[:i:i], links[i+1:]...)
			break
		}
	}
	if len(links) == 0 {
		delete(t.links, l.key)
	} else {
		t.links[l.key] = links
	}
}

// dialTarget is what a Client's dial URL (dialURL) asks for.
type dialTarget struct {
	link  string // the URL without the room's own parameters
	room  string
	since *uint64
	epoch string
	token string
}

// parseDialTarget splits a dial URL into the connection's part (relay and
// client id) and the room's (room, since, epoch, token), which a sub
// carries instead.
func parseDialTarget(rawURL string) (dialTarget, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return dialTarget{}, err
	}
	q := u.Query()
	t := dialTarget{room: q.Get("room"), epoch: q.Get("epoch"), token: q.Get("token")}
	if s := q.Get("since"); s != "" {
		since, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return dialTarget{}, err
		}
		t.since = &since
	}
	for _, room := range []string{"room", "since", "epoch", "token"} {
		q.Del(room)
	}
	u.RawQuery = q.Encode()
	t.link = u.String()
	return t, nil
}
