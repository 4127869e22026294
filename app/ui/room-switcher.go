package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
	"github.com/chatpwa/chat/relay/wire"
)

// RoomSwitcher joins a room by name and lists the recent ones. Rooms are
// addresses: switching navigates to /#room=NAME and ChatApp follows the URL,
// so links, history and the switcher all take the same path.
type RoomSwitcher struct {
	app.Compo

	// Room is the current room.
	Room string
	// Recent are the recently visited rooms, most recent first.
	Recent []string
	// Private are the private rooms this browser knows, by relay room id:
	// they show with their name and a lock, and link to their invite.
	Private map[string]chat.PrivateRoom
	// Activity is each live room's unread count, mentions and mute: a
	// room with unread messages is bold with a badge.
	Activity map[string]chat.RoomActivity

	errText string
}

// Render draws the switcher. #room-input, #room-go and #recent-rooms are a
// stable contract with the end-to-end tests.
func (r *RoomSwitcher) Render() app.UI {
	return app.Elem("section").Class("panel-section rooms").Aria("labelledby", "rooms-title").Body(
		app.Elem("h2").ID("rooms-title").Class("section-title").Text("Rooms"),
		app.Elem("form").Class("room-form").OnSubmit(r.onSubmit).Body(
			app.Elem("label").Attr("for", "room-input").Class("visually-hidden").Text("Room name"),
			app.Input().
				ID("room-input").
				Class("field").
				Attr("type", "text").
				Attr("placeholder", "Room name").
				MaxLength(wire.MaxRoomLen).
				AutoComplete(false).
				Spellcheck(false).
				Attr("autocapitalize", "off").
				Attr("enterkeyhint", "go"),
			app.Elem("button").ID("room-go").Class("button").Attr("type", "submit").Text("Join"),
		),
		app.Elem("p").Class("field-error").Role("alert").Text(r.errText),
		app.Elem("ul").ID("recent-rooms").Class("room-list").Aria("label", "Recent rooms").Body(
			each(len(r.Recent), func(i int) app.UI {
				room := r.Recent[i]
				href, mark, name, class := RoomFragment(room), "#", room, "room-link"
				if p, ok := r.Private[room]; ok {
					href, mark, name, class = p.Fragment(), "🔒", p.Name, "room-link private"
				}
				activity := r.Activity[room]
				if activity.Unread > 0 && !activity.Muted {
					class += " unread"
				}
				link := app.Elem("a").Attr("href", href).Class(class).Body(append([]app.UI{
					app.Elem("span").Class("hash").Aria("hidden", "true").Text(mark),
					app.Elem("span").Class("room-name").Text(name),
				}, roomBadges(activity)...)...)
				if room == r.Room {
					link = link.Class("active").Aria("current", "page")
				}
				return app.Elem("li").DataSet("room", room).Body(link)
			})...,
		),
	)
}

// roomBadges are a room's marks in the list: its unread count (whose
// accessible name says "N unread"), an @ when someone mentioned me, a bell
// crossed out when muted. A muted room's count is not bold: it asks for no
// attention.
func roomBadges(a chat.RoomActivity) []app.UI {
	var badges []app.UI
	if a.Muted {
		badges = append(badges, app.Elem("span").Class("muted-mark").Role("img").Title("Muted").Aria("label", "muted").Text("🔕"))
	}
	if a.Mentions > 0 {
		n := strconv.Itoa(a.Mentions)
		badges = append(badges, app.Elem("span").Class("mention-badge").Role("img").Aria("label", n+" mentioning you").Title(n+" mentioning you").Text("@"))
	}
	if a.Unread > 0 {
		n := strconv.Itoa(a.Unread)
		class := "unread-badge"
		if a.Muted {
			class += " quiet"
		}
		// role=img: the badge is one thing with one name, "3 unread",
		// read with the room's link.
		badges = append(badges, app.Elem("span").Class(class).Role("img").Aria("label", n+" unread").Title(n+" unread").Text(n))
	}
	return badges
}

func (r *RoomSwitcher) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	input := app.Window().GetElementByID("room-input")
	if !input.Truthy() {
		return
	}
	room := strings.TrimPrefix(strings.TrimSpace(input.Get("value").String()), "#")
	if room == "" {
		r.errText = ""
		return
	}
	if !wire.ValidRoom(room) {
		r.errText = "Room names are 1–64 letters, digits, dots, dashes or underscores."
		return
	}
	r.errText = ""
	input.Set("value", "")
	ctx.Navigate("/" + RoomFragment(room))
}

// RoomFragment is the URL fragment that opens room: "#room=NAME".
func RoomFragment(room string) string { return "#room=" + room }
