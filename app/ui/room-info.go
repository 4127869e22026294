package ui

import (
	"slices"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// Actions RoomInfo sends to ChatApp (handled with ctx.Handle).
const (
	// actionCopyInvite copies the open room's invite link.
	actionCopyInvite = "room/copy-invite"
	// actionForgetRoom leaves a room for good: its history, outbox, token
	// (and a private room's key) are removed from this browser; the value
	// is the relay room id.
	actionForgetRoom = "room/forget"
	// actionMuteRoom mutes or unmutes a room; the value is the relay room id.
	actionMuteRoom = "room/mute"
)

// RoomInfo is the open room's panel: its invite link, mute and leave; for a
// private room also my safety code, the people grouped by key with theirs,
// and how many messages could not be decrypted or verified.
type RoomInfo struct {
	app.Compo

	// Room is the room's name as people see it; Private: it is private.
	Room    string
	Private bool
	// Muted: the person muted the room.
	Muted bool
	// RoomID is the relay room id of the open room.
	RoomID string
	// SafetyCode is mine; Members the room's, with their keys and codes.
	SafetyCode string
	Members    []chat.Member
	// Undecryptable and Unverified count the room's failure lines.
	Undecryptable, Unverified int
	// Invite is the room's invite link (the page address with its fragment).
	Invite string
	// Copied: the invite link was just copied.
	Copied bool
}

// Render draws the panel. #room-info, #invite-link, #copy-invite,
// #mute-room, #forget-room, #my-safety-code (the code itself), #failures
// (the counts) and the li[data-key] of #keys are a stable contract with the
// end-to-end tests. It is kept to few elements: every element builder costs
// wasm.
func (r *RoomInfo) Render() app.UI {
	copyLabel := "Copy invite link"
	if r.Copied {
		copyLabel = "Copied ✓"
	}
	muteLabel := "Mute room"
	if r.Muted {
		muteLabel = "Unmute room"
	}
	actions := []app.UI{
		app.Input().ID("invite-link").Class("field").ReadOnly(true).Value(r.Invite).Title("Invite link"),
		app.Elem("div").Class("field-row").Body(
			app.Elem("button").ID("copy-invite").Class("button small").Text(copyLabel).OnClick(r.copyInvite),
			app.Elem("button").ID("mute-room").Class("button small ghost").Aria("pressed", r.Muted).Title("A muted room notifies only when someone mentions you").Text(muteLabel).OnClick(r.mute),
			app.Elem("button").ID("forget-room").Class("button small ghost").Text("Leave room").Title("Leave and remove its history and unsent messages from this browser").OnClick(r.forget),
		),
	}
	if !r.Private {
		return app.Elem("section").ID("room-info").Class("panel-section room-info").Body(
			append([]app.UI{app.Elem("h2").Class("section-title").Text("#" + r.Room)}, actions...)...,
		)
	}
	groups := keyGroups(r.Members)
	return app.Elem("section").ID("room-info").Class("panel-section room-info").Body(
		app.Elem("h2").Class("section-title").Text("🔒 Private room"),
		app.Elem("p").Class("hint").Text("End-to-end encrypted: the relay sees neither names nor messages. Whoever has the link can read and write."),
		actions[0], actions[1],
		app.Elem("p").Class("hint").Body(app.Text("Your safety code: "), app.Elem("code").ID("my-safety-code").Text(r.SafetyCode)),
		app.Elem("ul").ID("keys").Class("key-list").Title("People by key").Body(
			each(len(groups), func(i int) app.UI {
				return app.Elem("li").DataSet("key", groups[i].key).Text(groups[i].String())
			})...,
		),
		app.Elem("p").ID("failures").Class("hint").Text("Could not decrypt: "+strconv.Itoa(r.Undecryptable)+" · Unverified: "+strconv.Itoa(r.Unverified)),
	)
}

func (r *RoomInfo) copyInvite(ctx app.Context, e app.Event) { ctx.NewAction(actionCopyInvite) }

func (r *RoomInfo) mute(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionMuteRoom, r.RoomID)
}

func (r *RoomInfo) forget(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionForgetRoom, r.RoomID)
}

// keyGroup is the members who share one key: one install, several tabs or
// names. me: the key is this install's.
type keyGroup struct {
	key, code string
	nicks     []string
	me        bool
}

// String is the group as listed: "Ada, Ada (phone) · 0421 7730 1295", and
// "You: …" for mine, so the code above the list is not taken for someone
// else's when people compare codes.
func (g keyGroup) String() string {
	code := g.code
	if code == "" {
		code = "unverified"
	}
	line := strings.Join(g.nicks, ", ") + " · " + code
	if g.me {
		line = "You: " + line
	}
	return line
}

// keyGroups groups members by key, in the members' order; members whose
// meta did not verify form one group each.
func keyGroups(members []chat.Member) []keyGroup {
	var groups []keyGroup
	index := map[string]int{}
	for _, m := range members {
		if i, ok := index[m.Key]; ok && m.Key != "" {
			if !slices.Contains(groups[i].nicks, m.Nick) {
				groups[i].nicks = append(groups[i].nicks, m.Nick)
			}
			groups[i].me = groups[i].me || m.Me
			continue
		}
		index[m.Key] = len(groups)
		groups = append(groups, keyGroup{key: m.Key, code: m.SafetyCode, nicks: []string{m.Nick}, me: m.Me})
	}
	return groups
}
