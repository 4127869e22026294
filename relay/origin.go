package relay

import (
	"net/url"
	"path"
	"strings"
)

// originPolicy decides which browser origins may open connections, the
// defense against cross-site WebSocket hijacking. It mirrors
// websocket.AcceptOptions.OriginPatterns, but runs before the upgrade so that
// the relay controls the order of its checks and the handshake diagnosis.
type originPolicy struct {
	patterns []string
}

// allows reports whether a request to host carrying the Origin header
// origin may connect.
func (p originPolicy) allows(origin, host string) bool {
	if origin == "" {
		return true // not a browser: it could forge any Origin anyway
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if u.Host != "" && strings.EqualFold(u.Host, host) {
		return true
	}
	for _, pattern := range p.patterns {
		target := u.Host
		if strings.Contains(pattern, "://") {
			target = u.Scheme + "://" + u.Host
		}
		// Patterns were checked by Config.Validate, so Match cannot fail.
		if ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}
