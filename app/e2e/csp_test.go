//go:build !js

package e2e

import (
	"net"
	"net/http"
	"testing"
)

// cspProbeJS records every Content-Security-Policy violation of the page
// from its first byte on.
const cspProbeJS = `window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(
	{directive: e.effectiveDirective, blocked: e.blockedURI, policy: e.originalPolicy, sample: e.sample}));`

// installCSPProbe adds cspProbeJS to every document p opens from now on.
func (p *person) installCSPProbe() {
	p.t.Helper()
	p.runOnEveryDocument("install the CSP probe", cspProbeJS)
}

type violation struct{ Directive, Blocked, Policy, Sample string }

func (p *person) violations() []violation {
	p.t.Helper()
	var v []violation
	p.eval(`window.__csp || []`, &v)
	return v
}

// Scenario: the site on a static host, which sends no CSP header, for a
// relay on another origin (-relays). The page's own <meta> policy holds:
// go-app's page and the wasm run and chat under it with no violation, while
// a connection to an origin the deployer did not list is refused by it.
func TestCSP_StaticSiteRunsUnderItsOwnPolicy(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t, "-origins", "127.0.0.1:*")
	site := siteWithRelays(t, "ws://"+relay.addr+"/ws")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	static := &http.Server{Handler: http.FileServer(http.Dir(site))}
	go static.Serve(ln)
	t.Cleanup(func() { static.Close() })
	origin := "http://" + ln.Addr().String()

	alice := newPerson(t, "Alice")
	alice.installCSPProbe()
	alice.open(roomURL(origin, "e2e-csp", ""))
	alice.waitOnline()
	alice.setNick("Alice")
	alice.send("Hello under a strict policy")
	alice.waitMessages(waitTimeout, []string{"Hello under a strict policy"}, "delivered")
	var policy string
	alice.eval(`(document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || ''`, &policy)
	if policy == "" {
		t.Fatal("the page has no Content-Security-Policy <meta>")
	}
	if v := alice.violations(); len(v) != 0 {
		t.Fatalf("the app violated its own policy: %+v", v)
	}

	// The policy is in force: a connection to an unlisted origin is refused.
	alice.eval(`fetch('http://127.0.0.1:9/').then(() => 'sent', () => 'refused')`, nil)
	alice.poll("a connect-src violation", waitTimeout,
		`() => window.__csp.some(v => v.directive === 'connect-src' && v.blocked.startsWith('http://127.0.0.1:9'))`)
	t.Logf("policy: %s", policy)
}

// Scenario: the suite's site served by the relay itself (no -relays): a
// relay at the page's own origin is reached under connect-src 'self', and
// nothing in the page breaks the policy.
func TestCSP_SameOriginRelayRunsWithoutViolation(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	bob := newPerson(t, "Bob")
	bob.installCSPProbe()
	bob.open(roomURL(relay.URL(), "e2e-csp-self", ""))
	bob.waitOnline()
	bob.send("same origin")
	bob.waitMessages(waitTimeout, []string{"same origin"}, "delivered")
	if v := bob.violations(); len(v) != 0 {
		t.Fatalf("the app violated the policy: %+v", v)
	}
}
