package chat

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/chatpwa/chat/relay/wire"
)

// ParseFragment reads a room and an invite token from a page fragment:
// "#room=lobby&token=JWT" or the short "#lobby". The fragment keeps the room
// in the URL without a path the static host would have to route. An invalid
// room name yields room == "" (the token is still returned).
func ParseFragment(fragment string) (room, token string) {
	fragment = strings.TrimPrefix(fragment, "#")
	if fragment == "" {
		return "", ""
	}
	if !strings.Contains(fragment, "=") {
		room, err := url.PathUnescape(fragment)
		if err != nil || !wire.ValidRoom(room) {
			return "", ""
		}
		return room, ""
	}
	values, err := url.ParseQuery(fragment)
	if err != nil {
		// ParseQuery keeps the pairs it could parse; use them.
		if values == nil {
			return "", ""
		}
	}
	room, token = values.Get("room"), values.Get("token")
	if !wire.ValidRoom(room) {
		room = ""
	}
	return room, token
}

// DefaultRelay derives the relay URL from the page URL: the relay serves the
// PWA at the same origin by default, so http://h:p/… → ws://h:p/ws and
// https → wss. It returns "" when the page is not served over http(s).
func DefaultRelay(pageURL string) string {
	u, err := url.Parse(pageURL)
	if err != nil || u.Host == "" {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "ws://" + u.Host + "/ws"
	case "https":
		return "wss://" + u.Host + "/ws"
	default:
		return ""
	}
}

// ErrBadRelay: an entry of a relay list is not a ws:// or wss:// URL with a
// host. The wrapping error names the entry.
var ErrBadRelay = errors.New("use ws:// or wss:// addresses, like wss://chat.example.com/ws")

// ParseRelays reads a list of relay URLs separated by commas and/or spaces,
// as a person types it into the settings or a deployer passes it to the site
// generator ("wss://a.example/ws, wss://b.example/ws"). Duplicates are
// dropped, the order is kept: it is the order of failover. An empty list is
// nil, nil (use DefaultRelay); any bad entry makes the whole list an error
// wrapping ErrBadRelay, so that a typo never silently shortens the list.
func ParseRelays(list string) ([]string, error) {
	var relays []string
	for _, relay := range strings.Fields(strings.ReplaceAll(list, ",", " ")) {
		u, err := url.Parse(relay)
		if err != nil || u.Host == "" || (u.Scheme != "ws" && u.Scheme != "wss") {
			return nil, fmt.Errorf("%q: %w", relay, ErrBadRelay)
		}
		if !slices.Contains(relays, relay) {
			relays = append(relays, relay)
		}
	}
	return relays, nil
}

// dialURL is the relay URL for one connection attempt, parameters in the
// contract's order: room, cid (or ckey), since and, when present, epoch and
// token.
func dialURL(relay, room string, id dialID, since uint64, epoch, token string) string {
	var b strings.Builder
	b.WriteString(relay)
	if strings.Contains(relay, "?") {
		b.WriteByte('&')
	} else {
		b.WriteByte('?')
	}
	b.WriteString("room=" + url.QueryEscape(room))
	b.WriteString("&" + id.param + "=" + url.QueryEscape(id.value))
	b.WriteString("&since=" + strconv.FormatUint(since, 10))
	if epoch != "" {
		b.WriteString("&epoch=" + url.QueryEscape(epoch))
	}
	if token != "" {
		b.WriteString("&token=" + url.QueryEscape(token))
	}
	return b.String()
}
