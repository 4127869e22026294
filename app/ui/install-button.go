package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// installButton offers to install the PWA while the browser says it can be
// installed (ChatApp.installable), and disappears once it is. ChatApp
// follows the browser's state (OnAppInstallChange) rather than a component
// of its own here: each component links its own type and node methods into
// app.wasm.
//
// It shows #install only when installable (a contract with the end-to-end
// tests); otherwise an empty placeholder keeps the layout.
func installButton(installable bool) app.UI {
	if !installable {
		return app.Elem("span").Class("install-slot")
	}
	return app.Elem("button").
		ID("install").
		Class("button ghost install").
		Attr("type", "button").
		Title("Install Chat as an app").
		OnClick(showInstallPrompt).
		Body(
			app.Elem("span").Class("install-icon").Aria("hidden", "true"),
			app.Elem("span").Class("install-label").Text("Install"),
		)
}

func showInstallPrompt(ctx app.Context, e app.Event) {
	// The prompt's promise resolves long after the click; go-app's JS does
	// the waiting, ChatApp.OnAppInstallChange reports the outcome.
	ctx.ShowAppInstallPrompt()
}

// OnAppInstallChange follows the browser's beforeinstallprompt and
// appinstalled events for installButton.
func (c *ChatApp) OnAppInstallChange(ctx app.Context) {
	c.installable = ctx.IsAppInstallable()
}
