package relay

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// proxyPolicy finds the address of the client behind a request: the TCP
// peer, or, when the peer is a trusted proxy, the address that proxy put in
// X-Forwarded-For (or Forwarded). Only the hops appended by trusted proxies
// are believed: walking the list from the right, the first address that is
// not a trusted proxy is the client; everything left of it was written by
// the client itself and may be forged.
type proxyPolicy struct {
	trusted []netip.Prefix
}

// parseTrustedProxies reads Config.TrustedProxies: CIDRs or single addresses.
func parseTrustedProxies(list []string) ([]netip.Prefix, error) {
	prefixes := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			prefixes = append(prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want a CIDR or an IP address", s)
		}
		a = a.Unmap()
		prefixes = append(prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	return prefixes, nil
}

func (p proxyPolicy) trusts(a netip.Addr) bool {
	for _, prefix := range p.trusted {
		if prefix.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr is the TCP peer of r; false when RemoteAddr is not an IP
// address and port (a listener on a Unix socket).
func peerAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

// clientAddr is the address the per-address limits count for r; false when
// the relay cannot tell (no IP peer), and the limits do not apply.
func (p proxyPolicy) clientAddr(r *http.Request) (netip.Addr, bool) {
	peer, ok := peerAddr(r)
	if !ok || !p.trusts(peer) {
		return peer, ok
	}
	// A proxy appends to X-Forwarded-For (Caddy, nginx with
	// $proxy_add_x_forwarded_for); Forwarded is read only without it, so
	// that a client cannot pick the header the proxy leaves alone.
	hops := forwardedForHops(r.Header)
	if hops == nil {
		hops = forwardedHops(r.Header)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			// A trusted proxy wrote something unreadable (or "unknown"):
			// count the request against the proxy rather than guess.
			return peer, true
		}
		if !p.trusts(hop) || i == 0 {
			return hop, true
		}
	}
	return peer, true // no header: a request the proxy itself made, or a direct one
}

// forwardedForHops lists the X-Forwarded-For hops, leftmost first, over
// every header line; nil when there is none.
func forwardedForHops(h http.Header) []string {
	var hops []string
	for _, line := range h.Values("X-Forwarded-For") {
		for _, hop := range strings.Split(line, ",") {
			hops = append(hops, strings.TrimSpace(hop))
		}
	}
	return hops
}

// forwardedHops lists the for= values of RFC 7239 Forwarded elements,
// leftmost first; an element without for= counts as an unreadable hop.
func forwardedHops(h http.Header) []string {
	var hops []string
	for _, line := range h.Values("Forwarded") {
		for _, element := range strings.Split(line, ",") {
			hop := ""
			for _, pair := range strings.Split(element, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
					hop = strings.Trim(strings.TrimSpace(v), `"`)
				}
			}
			hops = append(hops, hop)
		}
	}
	return hops
}

// parseHop reads one hop: "192.0.2.1", "2001:db8::1", or with a port,
// "192.0.2.1:4711" and "[2001:db8::1]:4711" (Forwarded quotes those).
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// addressKey is what the per-address limits count: an IPv4 address, or the
// /64 of an IPv6 address, since one IPv6 host usually holds a whole /64 and
// would otherwise get a fresh quota per address.
func addressKey(a netip.Addr) netip.Prefix {
	if a.Is4() {
		return netip.PrefixFrom(a, 32)
	}
	p, _ := a.Prefix(64) // cannot fail for an IPv6 address
	return p
}

// isLoopbackPeer reports whether r comes straight from this host: a loopback
// TCP peer that forwards nobody. A proxy on loopback forwards the world, and
// says so in X-Forwarded-For or Forwarded.
func isLoopbackPeer(r *http.Request) bool {
	peer, ok := peerAddr(r)
	return ok && peer.IsLoopback() && r.Header.Get("X-Forwarded-For") == "" && r.Header.Get("Forwarded") == ""
}
