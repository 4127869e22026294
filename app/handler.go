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

// compileWasm starts web/wasm-compile.js from the top of the page's <head>
// (addCompile): it starts the wasm's download with the HTML, not once
// go-app's deferred app.js runs, and from the service worker's cache it
// compiles the wasm in a worker (see appJSEdits). A plain script before the
// stylesheets runs as soon as it arrives; as an async script, Chromium 148
// ran it after app.js. The parser waits for its 4 KB (from the service
// worker's cache once installed). It replaces a <link rel=preload> of the
// wasm: a worker's fetch cannot take a response the page preloaded, and
// would download it twice.
const compileWasm = `<script src="/web/wasm-compile.js"></script>`

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
			`<meta name="color-scheme" content="light dark">`,
		},
		Version: version,
	}
	if len(relays) > 0 {
		h.Env = map[string]string{ui.RelaysEnv: strings.Join(relays, ",")}
	}
	return h
}
