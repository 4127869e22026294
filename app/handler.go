//go:build !wasm

package main

import (
	"strconv"
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

// newHandler describes the PWA to go-app: manifest, icons, styles and the
// resources the service worker precaches so that the app opens offline.
// assets are the /web/… paths of the copied static files; wasmLength is the
// uncompressed size of app.wasm (0 when unknown), used for the loading
// progress because hosts serve the wasm compressed. relays, when not empty,
// is the deployer's relay list: it travels in app.js's environment
// (ui.RelaysEnv), so that one static build serves any set of relays
// without compiling the wasm again.
func newHandler(version string, assets []string, wasmLength int64, relays []string) *app.Handler {
	h := &app.Handler{
		Name:            "Chat",
		ShortName:       "Chat",
		Title:           "Chat",
		Description:     "Real-time group chat that keeps working offline.",
		Lang:            "en",
		LoadingLabel:    "Loading chat… {progress}%",
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
	if wasmLength > 0 {
		h.WasmContentLength = strconv.FormatInt(wasmLength, 10)
	}
	return h
}
