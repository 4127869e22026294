//go:build !js

// Package e2e proves the chat end to end: real Debian Chromium, driven through
// the DevTools protocol by github.com/chromedp/chromedp, opens the built PWA
// served by the real relay binary and chats the way a person does: it types
// into the composer, clicks, reloads, goes offline, and reads only what the
// page shows.
//
// Run it with
//
//	go test -race ./app/e2e/
//
// TestMain builds the relay (./relay/cmd/relay) and, unless CHAT_DIST names an
// already built site, the site with the repository's build.sh. Chromium comes
// from CHROMIUM, /usr/bin/chromium or the PATH; without it every test skips
// loudly, except under CI (CI=true, 1, yes…) where that is a failure, as is
// every other skip. Scenario 1 saves desktop and phone screenshots to
// CHAT_SCREENSHOTS (or a temporary directory the test log names).
//
// The package holds only tests; this file exists for its documentation.
package e2e
