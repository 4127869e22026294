//go:build !wasm

package ui

import (
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// TestChatApp_Prerender renders the root as go-app does natively when it
// generates the static site: without a browser, OnMount never runs, so no
// client starts and the page must still render. (In a browser the test
// engine mounts for real and would start a client, hence the build tag.)
func TestChatApp_Prerender(t *testing.T) {
	root := &ChatApp{}
	engine := app.NewTestEngine()
	if err := engine.Load(root); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	noop := func(app.Context, app.Event) {}
	if err := app.Match(app.Elem("div").Class("shell").OnKeyDown(noop), root, 0); err != nil {
		t.Fatal(err)
	}
	// shell > Topbar > header.topbar > div.room-heading > #conn-state
	if err := app.Match(connStatus(chat.View{}, time.Time{}), root, 0, 1, 0, 1, 1); err != nil {
		t.Fatal(err)
	}
}
