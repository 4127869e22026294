// Command app is the chat PWA. Compiled to WebAssembly it is the client that
// runs in the browser; compiled natively it generates the static website that
// hosts that client (see site.go):
//
//	GOOS=js GOARCH=wasm go build -o dist/web/app.wasm ./app
//	go run ./app -out dist -version "$(git describe --always)"
//
// build.sh at the top of the repository runs both. By default the app talks
// to the relay at its own origin; a deployment with several relays lists
// them for failover, in order, without compiling the wasm again:
//
//	go run ./app -out dist -version v2 -relays wss://a.example/ws,wss://b.example/ws
//
// (A person can override the list in the app's settings.)
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/ui"
)

func main() {
	registerRoutes()

	// In the browser this starts the UI and never returns.
	app.RunWhenOnBrowser()

	generateSite()
}

// registerRoutes declares the app's pages. There is one: the room lives in the
// URL fragment (/#room=NAME), so any static host serves every room from
// index.html and the service worker needs to cache a single page.
func registerRoutes() {
	app.Route("/", func() app.Composer { return &ui.ChatApp{} })
}
