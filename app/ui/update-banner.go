package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// updateBanner tells the person a new version was downloaded in the
// background (ChatApp.updateAvailable) and offers to reload into it. ChatApp
// follows the service worker (OnAppUpdate) rather than a component of its
// own here: each component links its own type and node methods into
// app.wasm.
//
// It shows #update-banner (a contract with the end-to-end tests) only when
// an update is waiting.
func updateBanner(available bool) app.UI {
	if !available {
		return app.Elem("div").Class("update-slot")
	}
	return app.Elem("div").ID("update-banner").Class("update-banner").Role("status").Body(
		app.Elem("span").Text("A new version is available."),
		app.Elem("button").Class("button small").Attr("type", "button").Text("Reload").OnClick(reload),
	)
}

func reload(ctx app.Context, e app.Event) {
	ctx.Reload()
}

// OnAppUpdate is called by go-app when the service worker installed a new
// version, for updateBanner.
func (c *ChatApp) OnAppUpdate(ctx app.Context) {
	c.updateAvailable = ctx.AppUpdateAvailable()
}
