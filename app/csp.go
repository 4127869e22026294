//go:build !wasm

package main

import (
	"fmt"
	"net/url"
	"strings"
)

// charsetMeta is where the policy goes in the generated page: first in
// <head>, since a policy in a <meta> does not apply to what precedes it.
const charsetMeta = `<meta charset="UTF-8">`

// contentSecurityPolicy is the policy of the generated index.html, as
// strict as the relay's header (relay.ContentSecurityPolicy) and stricter
// where a static page allows it: scripts only from the site (go-app's page
// has no inline script) plus WebAssembly compilation; inline styles, which
// go-app sets from the wasm; connections only to the site itself (app.wasm,
// and a relay at the page's origin: CSP 3's 'self' covers ws:/wss: of the
// same host) and to the deployer's relays, each as wss: for the chat and
// https: for the app's diagnosis of a failed handshake; and to any relay
// over wss:, since a person may name their own relay in the settings (its
// handshake diagnosis is then refused, and the app retries as it does for
// any unexplained failure); no plugins, no
// <base>. frame-ancestors and report-uri are left out: browsers ignore
// them in a <meta>, with a console error.
func contentSecurityPolicy(relays []string) (string, error) {
	connect := []string{"'self'"}
	for _, relay := range relays {
		u, err := url.Parse(relay)
		if err != nil || u.Host == "" || strings.Trim(u.Host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != "" {
			return "", fmt.Errorf("relay %q cannot be named in a Content-Security-Policy", relay)
		}
		web := "https"
		if u.Scheme == "ws" {
			web = "http"
		}
		connect = append(connect, u.Scheme+"://"+u.Host, web+"://"+u.Host)
	}
	connect = append(connect, "wss:")
	return "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data: blob:; connect-src " + strings.Join(connect, " ") + "; " +
		"worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'", nil
}

// addPolicy puts the policy into the generated page at path, right after
// its charset.
func addPolicy(path, policy string) error {
	meta := `<meta http-equiv="Content-Security-Policy" content="` + policy + `">`
	return replaceInPage(path, "csp", charsetMeta, charsetMeta+"\n    "+meta)
}
