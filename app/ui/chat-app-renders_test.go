//go:build wasm

package ui

import (
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// TestChatApp_NewMessagesRenderNeitherSidebarNorTopbar: during a flood
// ChatApp renders at every view (up to 20 a second); the sidebar and the
// top bar show nothing a new message changes, so they are not rendered
// again, while a change they show still renders them. (In a browser only:
// go-app mounts components, and so runs their OnMount, only there.)
func TestChatApp_NewMessagesRenderNeitherSidebarNorTopbar(t *testing.T) {
	c := &ChatApp{view: chat.View{Room: "lobby", RoomID: "lobby", State: chat.StateOnline, Nick: "calm-fox",
		Members: []chat.Member{{Nick: "calm-fox"}, {Nick: "Sender"}}, Lines: numberedLines(0, 3)}}
	shell := &appShell{app: c}
	engine := app.NewTestEngine()
	if err := engine.Load(shell); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	update := func(change func()) {
		shell.ctx.Dispatch(func(app.Context) { change() })
		engine.ConsumeAll()
	}

	before := partRenders
	for n := 4; n <= 10; n++ {
		// What onView does with each new view.
		update(func() { c.view.Lines, c.now = numberedLines(0, n), time.Now() })
	}
	if got := partRenders; got != before {
		t.Errorf("7 views with new messages rendered the sidebar %d and the top bar %d times; want 0",
			got.sidebar-before.sidebar, got.topbar-before.topbar)
	}
	// shell > main.chat > MessageList > div#scroller > ul > MessageItem > li > bubble > text
	if err := app.Match(app.Text("t"), shell, 0, 3, 0, 0, 0, 9, 0, 1, 1, 0); err != nil {
		t.Errorf("the 10th message is not in the list: %v", err)
	}

	before = partRenders
	update(func() { c.panel = panelRooms })
	update(func() { c.nickErr = "taken" })
	if got := partRenders; got.topbar != before.topbar+1 || got.sidebar != before.sidebar+1 {
		t.Errorf("a panel opened and a refused nick rendered the top bar %d and the sidebar %d times; want 1 each",
			got.topbar-before.topbar, got.sidebar-before.sidebar)
	}
}

// appShell renders a ChatApp's screen from its values, without starting
// it (its OnMount would open the store and connect).
type appShell struct {
	app.Compo
	app *ChatApp
	ctx app.Context
}

func (s *appShell) OnMount(ctx app.Context) { s.ctx = ctx }

func (s *appShell) Render() app.UI { return s.app.Render() }
