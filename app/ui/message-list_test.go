package ui

import (
	"strconv"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

func numberedLines(from, to int) []chat.Line {
	var lines []chat.Line
	for i := from; i < to; i++ {
		lines = append(lines, chat.Line{Kind: chat.LineMessage, Key: strconv.Itoa(i), Seq: uint64(i + 1), Nick: "n", Text: "t"})
	}
	return lines
}

func TestShownLines_AppendsUntilSlackIsUsed(t *testing.T) {
	// A full client window slides by one line per message.
	lines := numberedLines(0, chat.MaxViewLines)
	anchor := firstShownKey(lines, "")
	if got := len(shownLines(lines, anchor)); got != renderBase {
		t.Fatalf("first render shows %d lines, want %d", got, renderBase)
	}
	first := anchor
	for i := 1; i <= renderSlack+1; i++ {
		lines = numberedLines(i, chat.MaxViewLines+i)
		anchor = firstShownKey(lines, anchor)
		shown := shownLines(lines, anchor)
		if i <= renderSlack {
			// The first rendered line stays put: the render only appends.
			if anchor != first || len(shown) != renderBase+i {
				t.Fatalf("after %d messages: anchor %s (want %s), %d shown", i, anchor, first, len(shown))
			}
			continue
		}
		// The anchor slid out of the window: start again from renderBase.
		if anchor == first || len(shown) != renderBase {
			t.Fatalf("after %d messages: anchor %s, %d shown, want a new anchor and %d", i, anchor, len(shown), renderBase)
		}
	}
}

// TestShownLines_LinesInFrontOfTheAnchorAreShown: my queued message was the
// first line; once online, the welcome notice and delivered messages come
// before it (a failed message stays last, in the outbox). They must show.
func TestShownLines_LinesInFrontOfTheAnchorAreShown(t *testing.T) {
	queued := chat.Line{Kind: chat.LineMessage, Key: "me/failed", Mine: true, Status: chat.StatusFailed}
	anchor := firstShownKey([]chat.Line{queued}, "")
	lines := append(numberedLines(0, 3), queued)
	anchor = firstShownKey(lines, anchor)
	if shown := shownLines(lines, anchor); len(shown) != 4 {
		t.Fatalf("shows %d of 4 lines: the ones in front of the old anchor are hidden", len(shown))
	}
}

func TestShownLines_Short(t *testing.T) {
	lines := numberedLines(0, 3)
	anchor := firstShownKey(lines, "")
	if anchor != "0" || len(shownLines(lines, anchor)) != 3 {
		t.Fatalf("anchor %q", anchor)
	}
	if firstShownKey(nil, "x") != "" || len(shownLines(nil, "")) != 0 {
		t.Fatal("empty lines")
	}
}

func TestMessageList_Renders(t *testing.T) {
	lines := []chat.Line{
		{Kind: chat.LineSystem, Key: "s1", Text: "Welcome to #lobby"},
		{Kind: chat.LineMessage, Key: "c/1", Seq: 1, Nick: "brave-otter", Text: "<b>hi</b>", Mine: true, Status: chat.StatusPending},
	}
	list := &MessageList{Room: "lobby", Lines: lines}
	engine := app.NewTestEngine()
	if err := engine.Load(list); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()

	wantList := app.Ul().
		ID("messages").
		Class("messages").
		Role("log").
		Aria("live", "polite").
		Aria("relevant", "additions").
		Aria("label", "Messages in lobby")
	// MessageList > div#scroller > ul#messages (the empty state is gone).
	if err := app.Match(wantList, list, 0, 0); err != nil {
		t.Fatal(err)
	}
	// ul > MessageItem > li
	if err := app.Match(app.Li().Class("sys").DataSet("key", "s1"), list, 0, 0, 0, 0); err != nil {
		t.Error(err)
	}
	if err := app.Match(app.Text("<b>hi</b>"), list, 0, 0, 1, 0, 1, 1, 0); err != nil {
		t.Error(err)
	}
	if err := app.Match(app.Div(), list, 0, 1); err == nil {
		t.Error("the empty state is shown next to messages")
	}
}

func TestMessageList_EmptyState(t *testing.T) {
	list := &MessageList{Room: "lobby"}
	engine := app.NewTestEngine()
	if err := engine.Load(list); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	if err := app.Match(app.Div().Class("empty"), list, 0, 1); err != nil {
		t.Fatal(err)
	}
}
