package ui

import (
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// TestWithDaySeparators_NewMessagesDividerAndLastSeenBy: the divider goes
// right above its line, and only my last message keeps its SeenBy.
func TestWithDaySeparators_NewMessagesDividerAndLastSeenBy(t *testing.T) {
	lines := numberedLines(0, 5)
	for _, i := range []int{1, 3} {
		lines[i].Mine, lines[i].SeenBy = true, 2
	}
	items := withDaySeparators(lines, civilDay{}, "2")
	var got []string
	seen := map[string]int{}
	for _, item := range items {
		if m, ok := item.(*MessageItem); ok {
			got = append(got, m.Line.Key)
			seen[m.Line.Key] = m.Line.SeenBy
			continue
		}
		if app.Match(app.Elem("li").Class("new-divider").Role("separator"), item) != nil || app.Match(app.Text("New messages"), item, 0) != nil {
			t.Fatalf("an item that is neither a line nor the divider: %#v", item)
		}
		got = append(got, "[new]")
	}
	want := []string{"0", "1", "[new]", "2", "3", "4"}
	if len(got) != len(want) {
		t.Fatalf("rendered %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rendered %v, want %v", got, want)
		}
	}
	if seen["1"] != 0 || seen["3"] != 2 {
		t.Errorf("seen by: %v; want only my last message (3) to keep it", seen)
	}
	if n := len(withDaySeparators(lines, civilDay{}, "")); n != len(lines) {
		t.Errorf("without a divider %d items for %d lines", n, len(lines))
	}
}

func TestMessageItem_SeenBy(t *testing.T) {
	line := message("hi", true, chat.StatusDelivered)
	line.SeenBy = 1
	item := lineItem(line)
	// li > div.bubble > [meta, text, actions, p.seen-by]
	if err := app.Match(app.Elem("p").Class("seen-by"), item, 1, 3); err != nil {
		t.Fatal(err)
	}
	if err := app.Match(app.Text("Seen by 1"), item, 1, 3, 0); err != nil {
		t.Error(err)
	}
	line.SeenBy = 0
	if err := app.Match(app.Elem("p").Class("seen-by"), lineItem(line), 1, 3); err == nil {
		t.Error("seen by 0 is shown")
	}
}

func TestJumpButton_AccessibleNameCountsNewLines(t *testing.T) {
	for n, name := range map[int]string{3: "Jump to latest, 3 new", 0: "Jump to latest"} {
		if err := app.Match(app.Elem("button").ID("jump-latest").Class("jump-latest").Attr("type", "button"), jumpButton(n, nil)); err != nil {
			t.Error(err)
		}
		if err := app.Match(app.Text(name), jumpButton(n, nil), 0); err != nil {
			t.Error(err)
		}
	}
}

func TestArrivedAfter_CountsOthersMessagesBelow(t *testing.T) {
	lines := numberedLines(0, 6)
	lines[4].Mine = true
	lines = append(lines, chat.Line{Kind: chat.LineSystem, Key: "!sys/1"})
	if got := arrivedAfter(lines, "1"); got != 3 {
		t.Errorf("after 1: %d, want 3 (2, 3, 5: not mine, not a notice)", got)
	}
	if got := arrivedAfter(lines, "gone"); got != 5 {
		t.Errorf("after a line that is gone: %d, want all 5", got)
	}
}

// TestChatApp_FollowReading_Divider: the divider is captured when the room
// opens and kept while its lines are read; lines that arrive unseen
// (scrolled up, hidden) place it when there is none; becoming visible
// moves it to the first unread line; another room starts again.
func TestChatApp_FollowReading_Divider(t *testing.T) {
	c := &ChatApp{}
	step := func(v chat.View, shown bool, want string) {
		t.Helper()
		c.view = v
		c.followReading(shown)
		if c.divider != want {
			t.Fatalf("divider %q, want %q", c.divider, want)
		}
	}
	step(chat.View{RoomID: "a", FirstUnread: "k2"}, false, "k2") // opened with unread lines
	step(chat.View{RoomID: "a"}, false, "k2")                    // read: kept
	c.divider = ""                                               // as a send does
	step(chat.View{RoomID: "a", FirstUnread: "k5"}, false, "")   // at the bottom, visible: read at once
	c.scrolledUp = true
	step(chat.View{RoomID: "a", FirstUnread: "k6"}, false, "k6") // arrived while scrolled up
	step(chat.View{RoomID: "a", FirstUnread: "k6"}, false, "k6")
	c.scrolledUp, c.hidden = false, true
	step(chat.View{RoomID: "a", FirstUnread: "k6"}, false, "k6")
	c.hidden = false
	step(chat.View{RoomID: "a", FirstUnread: "k8"}, true, "k8") // shown again
	c.scrolledUp = true
	step(chat.View{RoomID: "b"}, false, "") // another room
	if c.scrolledUp {
		t.Error("another room starts at its bottom")
	}
}

// TestChatApp_FollowReading_ReadLinesLeaveTheTitle: lines the person
// reads along with (visible, at the bottom) are read at once, so neither
// the title nor the room list counts them, and a flood does not change the
// title at every render; scrolled up, they are counted.
func TestChatApp_FollowReading_ReadLinesLeaveTheTitle(t *testing.T) {
	s := &session{room: "a", client: chat.New(chat.Options{Room: "a", CID: "me", Store: chat.NewMemoryStore()})}
	c := &ChatApp{sessions: map[string]*session{"a": s}, session: s}
	title := func(v chat.View) string {
		t.Helper()
		s.view, c.view = v, v
		c.followReading(false)
		return pageTitle(c.view.Room, chat.TitleCount(c.activity()))
	}
	if got := title(chat.View{Room: "a", RoomID: "a", Unread: 2, Mentions: 1, FirstUnread: "k1"}); got != pageTitle("a", 0) {
		t.Errorf("read along: title %q", got)
	}
	c.scrolledUp = true
	if got := title(chat.View{Room: "a", RoomID: "a", Unread: 3, FirstUnread: "k1"}); got != pageTitle("a", 3) {
		t.Errorf("scrolled up: title %q", got)
	}
}
