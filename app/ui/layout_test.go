package ui

import (
	"reflect"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// TestComponents_NoFunctionFields: go-app compares a component's exported
// fields to decide whether to re-render it, and two funcs never compare
// equal, so a function-valued field re-renders the component on every
// update of its parent. Components send actions instead.
func TestComponents_NoFunctionFields(t *testing.T) {
	for _, compo := range []app.Composer{
		&ChatApp{}, &Composer{}, &MessageList{}, &MessageItem{}, &FailedActions{},
		&RoomSwitcher{}, &RoomInfo{}, &NewPrivateRoom{},
	} {
		typ := reflect.TypeOf(compo).Elem()
		for i := range typ.NumField() {
			if f := typ.Field(i); f.IsExported() && f.Type.Kind() == reflect.Func {
				t.Errorf("%s.%s is a function field", typ.Name(), f.Name)
			}
		}
	}
}

// TestLayout_ThreeParts: the screen is the top bar, the sidebar and the
// conversation, each drawn from the values ChatApp hands over.
func TestLayout_ThreeParts(t *testing.T) {
	bar := (&Topbar{Room: "lobby", Private: true, State: chat.StateOffline, RetryAt: time.Unix(10, 0), Now: time.Unix(7, 0), Members: 3, Panel: panelPeople}).Render()
	conv := conversation{Room: "lobby", State: chat.StateDenied, Detail: "no token", Typing: "Ada is typing…"}.render()
	side := (&Sidebar{Nick: "calm-fox", NickError: "taken"}).Render()
	engine := app.NewTestEngine()
	root := app.Elem("div").Body(bar, side, conv)
	if err := engine.Load(&holder{root: root}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	checks := []struct {
		what string
		want app.UI
		part app.UI
		path []int
	}{
		{"the room's name", app.Text("lobby"), bar, []int{1, 0, 1, 0}},
		{"the lock of a private room", app.Elem("span").ID("room-lock").Class("lock").Title("Private room: end-to-end encrypted"), bar, []int{1, 0, 2}},
		{"the people count", app.Text("3"), bar, []int{2, 1, 1, 0}},
		{"retry now while offline", app.Text("Retry"), bar, []int{2, 2, 0}},
		{"the sidebar", app.Elem("aside").ID("sidebar").Class("sidebar").Aria("label", "Rooms and settings"), side, nil},
		{"the conversation", app.Elem("main").Class("chat"), conv, nil},
		{"who is typing", app.Elem("p").ID("typing").Class("typing").Aria("live", "polite"), conv, []int{1}},
		{"the typing line", app.Text("Ada is typing…"), conv, []int{1, 0}},
		{"why the room is blocked", app.Text("Access denied"), conv, []int{3, 0, 0}},
	}
	for _, c := range checks {
		if err := app.Match(c.want, c.part, c.path...); err != nil {
			t.Errorf("%s: %v", c.what, err)
		}
	}
}

// holder renders a fixed tree, to load components into a test engine.
type holder struct {
	app.Compo
	root app.UI
}

func (h *holder) Render() app.UI { return h.root }
