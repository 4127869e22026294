package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// presenceList shows who is in the room, me included, with a count. It
// holds no state, so a function draws it rather than a component (which
// links its own type and node methods into app.wasm); it re-renders with
// ChatApp (in a big room, the list is the relay's bounded one).
type presenceList struct {
	// Members are the room's members, sorted by the client: in a big
	// room, only the relay's bounded list of them.
	Members []chat.Member
	// People is how many are in the room (View.People); more than
	// len(Members) in a big room.
	People int
}

// render draws the list. Each <li>'s text is exactly the member's nick (the
// avatar letter and the "you" marker come from CSS), a contract with the
// end-to-end tests, as are #presence and #presence-count.
func (p presenceList) render() app.UI {
	people := max(p.People, len(p.Members))
	return app.Elem("section").Class("panel-section presence").Aria("labelledby", "presence-title").Body(
		app.Elem("h2").ID("presence-title").Class("section-title").Body(
			app.Text("People"),
			app.Elem("span").
				ID("presence-count").
				Class("count").
				Aria("label", countLabel(people)).
				Text(strconv.Itoa(people)),
		),
		app.Elem("ul").ID("presence").Class("presence-list").Body(
			each(len(p.Members), func(i int) app.UI {
				m := p.Members[i]
				class := "member"
				if m.Me {
					class = "member me"
				}
				item := app.Elem("li").
					Class(class).
					DataSet("initial", initial(m.Nick)).
					Style("--hue", strconv.Itoa(nickHue(m.Nick))).
					Dir("auto").
					Text(m.Nick)
				switch {
				case m.KeyChanged:
					// The text stays the nick; CSS adds the ⚠.
					item = item.Class("key-changed").Title("%s", m.Nick+chat.KeyChangedText)
				case m.Name != "" && m.Name != m.Nick:
					item = item.Title("%s", "Signed in as "+m.Name)
				}
				return item
			})...,
		),
		when(people > len(p.Members), func() app.UI {
			return app.Elem("p").ID("presence-more").Class("presence-more").
				Text(countLabel(people) + ", " + strconv.Itoa(len(p.Members)) + " shown")
		}),
	)
}

func countLabel(n int) string {
	if n == 1 {
		return "1 person here"
	}
	return strconv.Itoa(n) + " people here"
}
