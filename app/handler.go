//go:build !wasm

package main

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/ui"
)

// Colours the browser shows before the stylesheet loads: the title bar of the
// installed app and its splash screen.
const (
	themeColor      = "#4f46e5"
	backgroundColor = "#111318"
)

// preloadWasm starts the download of the wasm as soon as the page's <head>
// is read: go-app's app.js only fetches it once it runs, after the deferred
// scripts and the stylesheets have arrived, a few hundred milliseconds
// later on a first visit. as="fetch" with crossorigin (credentials
// same-origin) is what app.js's fetch asks for, so that fetch takes the
// preloaded response instead of downloading the wasm a second time.
const preloadWasm = `<link rel="preload" href="` + wasmURL + `" as="fetch" type="application/wasm" crossorigin>`

// newHandler describes the PWA to go-app: manifest, icons, styles and the
// resources the service worker precaches so that the app opens offline.
// assets are the /web/… paths of the copied static files. relays, when not
// empty, is the deployer's relay list: it travels in app.js's environment
// (ui.RelaysEnv), so that one static build serves any set of relays
// without compiling the wasm again.
func newHandler(version string, assets []string, relays []string) *app.Handler {
	h := &app.Handler{
		Name:            "Chat",
		ShortName:       "Chat",
		Title:           "Chat",
		Description:     "Real-time group chat that keeps working offline.",
		Lang:            "en",
		LoadingLabel:    "Loading chat…", // no {progress}: app.js streams the wasm uncounted (appjs.go)
		ThemeColor:      themeColor,
		BackgroundColor: backgroundColor,
		Icon: app.Icon{
			Default:  "/web/icon-192.png",
			Large:    "/web/icon-512.png",
			Maskable: "/web/icon-maskable-512.png",
			SVG:      "/web/icon.svg",
		},
		Styles:             []string{"/web/app.css"},
		CacheableResources: assets,
		RawHeaders: []string{
			preloadWasm,
			`<meta name="color-scheme" content="light dark">`,
		},
		Version: version,
	}
	if len(relays) > 0 {
		h.Env = map[string]string{ui.RelaysEnv: strings.Join(relays, ",")}
	}
	return h
}
