package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// InstallButton offers to install the PWA while the browser says it can be
// installed, and disappears once it is.
type InstallButton struct {
	app.Compo

	installable bool
}

// OnMount reads the state the browser may have reported before the wasm ran.
func (b *InstallButton) OnMount(ctx app.Context) {
	b.installable = ctx.IsAppInstallable()
}

// OnAppInstallChange follows the browser's beforeinstallprompt and
// appinstalled events.
func (b *InstallButton) OnAppInstallChange(ctx app.Context) {
	b.installable = ctx.IsAppInstallable()
}

// Render shows #install only when installable (a contract with the
// end-to-end tests); otherwise an empty placeholder keeps the layout.
func (b *InstallButton) Render() app.UI {
	if !b.installable {
		return app.Elem("span").Class("install-slot")
	}
	return app.Elem("button").
		ID("install").
		Class("button ghost install").
		Attr("type", "button").
		Title("Install Chat as an app").
		OnClick(b.onClick).
		Body(
			app.Elem("span").Class("install-icon").Aria("hidden", "true"),
			app.Elem("span").Class("install-label").Text("Install"),
		)
}

func (b *InstallButton) onClick(ctx app.Context, e app.Event) {
	// The prompt's promise resolves long after the click; go-app's JS does
	// the waiting, OnAppInstallChange reports the outcome.
	ctx.ShowAppInstallPrompt()
}
