package ui

import (
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// People are grouped by key: two tabs of one install are one line with
// one safety code, mine marked as mine whichever of my tabs comes first; a
// member whose meta did not verify is listed apart as unverified, never
// merged with another.
func TestRoomInfo_GroupsPeopleByKeyWithTheirCodes(t *testing.T) {
	members := []chat.Member{
		{Conn: "1", Nick: "Ada", Key: "key-ada", SafetyCode: "1111 2222 3333"}, // my other tab
		{Conn: "2", Nick: "Bob", Key: "key-bob", SafetyCode: "4444 5555 6666"},
		{Conn: "3", Nick: "Ada (phone)", Key: "key-ada", SafetyCode: "1111 2222 3333"},
		{Conn: "4", Nick: "Ada", Key: "key-ada", SafetyCode: "1111 2222 3333", Me: true}, // this tab
		{Conn: "5", Nick: "x1y2z3"},
		{Conn: "6", Nick: "q9w8e7"},
	}
	info := &RoomInfo{Private: true, RoomID: "p-x", SafetyCode: "1111 2222 3333", Members: members, Undecryptable: 2, Unverified: 1}
	engine := app.NewTestEngine()
	if err := engine.Load(info); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()

	// section > [h2, p, input, div, p, ul#keys, p#failures]
	want := []struct{ key, text string }{
		{"key-ada", "You: Ada, Ada (phone) · 1111 2222 3333"},
		{"key-bob", "Bob · 4444 5555 6666"},
		{"", "x1y2z3 · unverified"},
		{"", "q9w8e7 · unverified"},
	}
	for i, w := range want {
		if err := app.Match(app.Elem("li").DataSet("key", w.key), info, 0, 5, i); err != nil {
			t.Errorf("group %d: %v", i, err)
		}
		if err := app.Match(app.Text(w.text), info, 0, 5, i, 0); err != nil {
			t.Errorf("group %d text: %v", i, err)
		}
	}
	if err := app.Match(app.Text("Could not decrypt: 2 · Unverified: 1"), info, 0, 6, 0); err != nil {
		t.Errorf("failure counts: %v", err)
	}
}

// A plain room's panel has its invite link, mute and leave; the mute
// button says what a click does and whether the room is muted.
func TestRoomInfo_PlainRoomInviteMuteLeave(t *testing.T) {
	for _, muted := range []bool{false, true} {
		info := &RoomInfo{Room: "lobby", RoomID: "lobby", Muted: muted, Invite: "http://x/#room=lobby"}
		engine := app.NewTestEngine()
		if err := engine.Load(info); err != nil {
			t.Fatal(err)
		}
		engine.ConsumeAll()
		// section > [h2, input, div > [copy, mute, forget]]
		if err := app.Match(app.Text("#lobby"), info, 0, 0, 0); err != nil {
			t.Error(err)
		}
		if err := app.Match(app.Input().ID("invite-link").Class("field").ReadOnly(true).Value("http://x/#room=lobby").Title("Invite link"), info, 0, 1); err != nil {
			t.Error(err)
		}
		label := "Mute room"
		if muted {
			label = "Unmute room"
		}
		if err := app.Match(app.Text(label), info, 0, 2, 1, 0); err != nil {
			t.Errorf("muted %v: %v", muted, err)
		}
		if err := app.Match(app.Text("Leave room"), info, 0, 2, 2, 0); err != nil {
			t.Error(err)
		}
	}
}
