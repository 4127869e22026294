package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// UpdateBanner tells the person a new version was downloaded in the
// background and offers to reload into it.
type UpdateBanner struct {
	app.Compo

	available bool
}

// OnMount catches an update found before the wasm started.
func (u *UpdateBanner) OnMount(ctx app.Context) {
	u.available = ctx.AppUpdateAvailable()
}

// OnAppUpdate is called by go-app when the service worker installed a new
// version.
func (u *UpdateBanner) OnAppUpdate(ctx app.Context) {
	u.available = ctx.AppUpdateAvailable()
}

// Render shows #update-banner (a contract with the end-to-end tests) only
// when an update is waiting.
func (u *UpdateBanner) Render() app.UI {
	if !u.available {
		return app.Elem("div").Class("update-slot")
	}
	return app.Elem("div").ID("update-banner").Class("update-banner").Role("status").Body(
		app.Elem("span").Text("A new version is available."),
		app.Elem("button").Class("button small").Attr("type", "button").Text("Reload").OnClick(u.onReload),
	)
}

func (u *UpdateBanner) onReload(ctx app.Context, e app.Event) {
	ctx.Reload()
}
