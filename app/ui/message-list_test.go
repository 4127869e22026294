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
	anchor := firstShownKey(lines, "", renderBase)
	if got := len(shownLines(lines, anchor, renderBase)); got != renderBase {
		t.Fatalf("first render shows %d lines, want %d", got, renderBase)
	}
	first := anchor
	for i := 1; i <= renderSlack+1; i++ {
		lines = numberedLines(i, chat.MaxViewLines+i)
		anchor = firstShownKey(lines, anchor, renderBase)
		shown := shownLines(lines, anchor, renderBase)
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
	anchor := firstShownKey([]chat.Line{queued}, "", renderOpen)
	lines := append(numberedLines(0, 3), queued)
	anchor = firstShownKey(lines, anchor, renderOpen)
	if shown := shownLines(lines, anchor, renderOpen); len(shown) != 4 {
		t.Fatalf("shows %d of 4 lines: the ones in front of the old anchor are hidden", len(shown))
	}
}

func TestShownLines_Short(t *testing.T) {
	lines := numberedLines(0, 3)
	anchor := firstShownKey(lines, "", renderOpen)
	if anchor != "0" || len(shownLines(lines, anchor, renderOpen)) != 3 {
		t.Fatalf("anchor %q", anchor)
	}
	if firstShownKey(nil, "x", renderOpen) != "" || len(shownLines(nil, "", renderOpen)) != 0 {
		t.Fatal("empty lines")
	}
}

// TestShownLines_OpensSmallAndGrowsUpward: a room of 300 lines opens with
// its newest renderOpen; scrolling up adds renderGrow at a time until
// renderBase; a reply's quote reveals its original in one step; new
// messages then only append.
func TestShownLines_OpensSmallAndGrowsUpward(t *testing.T) {
	lines := numberedLines(0, chat.MaxViewLines)
	list := &MessageList{Room: "r", Lines: lines}
	list.OnInit()
	if got := len(shownLines(lines, list.anchor, list.least)); got != renderOpen {
		t.Fatalf("a room opens showing %d lines, want %d", got, renderOpen)
	}
	anchor, shown := list.anchor, renderOpen
	for {
		to, ok := olderStart(lines, anchor, "")
		if !ok {
			break
		}
		anchor = lines[to].Key
		got := len(shownLines(lines, firstShownKey(lines, anchor, len(lines)-to), len(lines)-to))
		if want := min(shown+renderGrow, renderBase); got != want {
			t.Fatalf("after growing from %d lines: %d shown, want %d", shown, got, want)
		}
		shown = got
	}
	if shown != renderBase {
		t.Fatalf("growth stopped at %d lines, want %d", shown, renderBase)
	}

	// A quote of line 100 (above the 40 shown) reveals it at once.
	to, ok := olderStart(lines, list.anchor, "100")
	if !ok || to != 100 {
		t.Fatalf("revealing line 100 renders from %d (%v)", to, ok)
	}
	if _, ok := olderStart(lines, list.anchor, lines[len(lines)-1].Key); ok {
		t.Fatal("revealing a line already shown grows the window")
	}
	if to, ok := olderStart(lines, list.anchor, "3"); !ok || to != len(lines)-renderBase {
		t.Fatalf("revealing line 3 renders from %d (%v), want the window's limit %d", to, ok, len(lines)-renderBase)
	}

	// New messages append to a grown window; it does not shrink back.
	least := len(lines) - 100
	anchor = lines[100].Key
	more := numberedLines(1, chat.MaxViewLines+1)
	if got := firstShownKey(more, anchor, least); got != anchor {
		t.Fatalf("a new message moved the first rendered line from %s to %s", anchor, got)
	}
}

// TestTrimAtBottom_FollowingKeepsTheWindowShort: at the bottom, appended
// lines grow the window by renderSlack at most, then it starts again at the
// newest renderOpen; a window the person grew is left alone.
func TestTrimAtBottom_FollowingKeepsTheWindowShort(t *testing.T) {
	lines := numberedLines(0, 100)
	anchor, least := firstShownKey(lines, "", renderOpen), renderOpen
	for i := 101; i <= 100+renderSlack+1; i++ {
		lines = numberedLines(0, i)
		anchor = firstShownKey(lines, anchor, least)
		anchor, least = trimAtBottom(lines, anchor, least)
		shown := len(shownLines(lines, anchor, least))
		if i <= 100+renderSlack && shown != renderOpen+i-100 {
			t.Fatalf("after %d appended lines %d shown, want %d (appended)", i-100, shown, renderOpen+i-100)
		}
		if i > 100+renderSlack && shown != renderOpen {
			t.Fatalf("past the slack %d shown, want %d", shown, renderOpen)
		}
	}
	grown := firstShownKey(lines, lines[10].Key, len(lines)-10)
	if got, least := trimAtBottom(lines, grown, len(lines)-10); got != grown || least != len(lines)-10 {
		t.Fatalf("a grown window was trimmed to start at %s, least %d", got, least)
	}
}

// TestMessageList_RoomChangeOpensSmall: switching rooms starts the new
// room's window at renderOpen lines, whatever the old room had grown to.
func TestMessageList_RoomChangeOpensSmall(t *testing.T) {
	list := &MessageList{Room: "a", Lines: numberedLines(0, chat.MaxViewLines)}
	list.OnInit()
	list.least, list.anchor = renderBase, list.Lines[chat.MaxViewLines-renderBase].Key
	list.Room, list.Lines = "b", numberedLines(1000, 1000+chat.MaxViewLines)
	if !list.syncRoom() {
		t.Fatal("a new room was not noticed")
	}
	if got := len(shownLines(list.Lines, list.anchor, list.least)); got != renderOpen {
		t.Fatalf("room b opens showing %d lines, want %d", got, renderOpen)
	}
	if list.syncRoom() {
		t.Fatal("the same room opened again")
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

	wantList := app.Elem("ul").
		ID("messages").
		Class("messages").
		Role("log").
		Aria("live", "polite").
		Aria("relevant", "additions").
		Aria("label", "Messages in lobby").
		OnClick(list.onRowClick).
		OnKeyDown(list.onRowKeyDown)
	// MessageList > div#scroller > ul#messages (the empty state is gone).
	if err := app.Match(wantList, list, 0, 0); err != nil {
		t.Fatal(err)
	}
	// ul > MessageItem > li
	if err := app.Match(app.Elem("li").Class("sys").DataSet("key", "s1"), list, 0, 0, 0, 0); err != nil {
		t.Error(err)
	}
	if err := app.Match(app.Text("<b>hi</b>"), list, 0, 0, 1, 0, 1, 1, 0); err != nil {
		t.Error(err)
	}
	// div#scroller > [ul#messages, div#older-edge, …]
	if err := app.Match(app.Elem("div").ID("older-edge").Class("older-edge").Aria("hidden", "true"), list, 0, 1); err != nil {
		t.Error(err)
	}
	if err := app.Match(app.Elem("div").Class("empty"), list, 0, 2); err == nil {
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
	if err := app.Match(app.Elem("div").Class("empty"), list, 0, 2); err != nil {
		t.Fatal(err)
	}
}
