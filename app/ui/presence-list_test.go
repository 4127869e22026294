package ui

import (
	"strconv"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

func TestPresenceList_CountAndNicks(t *testing.T) {
	members := []chat.Member{
		{Conn: "1", Nick: "brave-otter", Me: true},
		{Conn: "2", Nick: "calm-heron"},
	}
	list := presenceList{Members: members}.render()
	engine := app.NewTestEngine()
	if err := engine.Load(&holder{root: list}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()

	// section > h2 > [text, span#presence-count]
	if err := app.Match(app.Text("2"), list, 0, 1, 0); err != nil {
		t.Errorf("count: %v", err)
	}
	for i, m := range members {
		class := "member"
		if m.Me {
			class = "member me"
		}
		want := app.Elem("li").Class(class).DataSet("initial", initial(m.Nick)).Style("--hue", strconv.Itoa(nickHue(m.Nick))).Dir("auto")
		if err := app.Match(want, list, 1, i); err != nil {
			t.Errorf("member %d: %v", i, err)
		}
		// The item's only text is the nick.
		if err := app.Match(app.Text(m.Nick), list, 1, i, 0); err != nil {
			t.Errorf("member %d text: %v", i, err)
		}
	}
}

// TestPresenceList_BigRoom: the count is the room's, not the list's, and
// a note says how many of them are shown.
func TestPresenceList_BigRoom(t *testing.T) {
	list := presenceList{Members: []chat.Member{{Conn: "1", Nick: "me", Me: true}, {Conn: "2", Nick: "ann"}}, People: 9000}.render()
	engine := app.NewTestEngine()
	if err := engine.Load(&holder{root: list}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	if err := app.Match(app.Text("9000"), list, 0, 1, 0); err != nil {
		t.Errorf("count: %v", err)
	}
	if err := app.Match(app.Text("9000 people here, 2 shown"), list, 2, 0); err != nil {
		t.Errorf("note: %v", err)
	}
}
