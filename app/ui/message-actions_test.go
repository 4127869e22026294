package ui

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

func TestMessageActions_ButtonsSayWhatTheyDo(t *testing.T) {
	for _, tc := range []struct {
		mine bool
		want []string
	}{
		{false, []string{"Reply", "React"}},
		{true, []string{"Reply", "React", "Edit", "Delete"}},
	} {
		// Without the picker, fixed markup (app.Raw) that the browser
		// parses: a labelled group of buttons, in this order.
		html := app.HTMLString(messageActions(tc.mine, false))
		for _, want := range []string{`class="msg-actions"`, `role="group"`, `aria-label="Message actions"`, `aria-expanded="false"`} {
			if !strings.Contains(html, want) {
				t.Errorf("mine=%v: no %s in %s", tc.mine, want, html)
			}
		}
		if n := strings.Count(html, "<button"); n != len(tc.want) {
			t.Errorf("mine=%v: %d buttons, want %q: %s", tc.mine, n, tc.want, html)
		}
		at := 0
		for _, label := range tc.want {
			i := strings.Index(html[at:], ">"+label+"</button>")
			if i < 0 {
				t.Errorf("mine=%v: no button %q after the ones before it: %s", tc.mine, label, html)
				break
			}
			at += i
		}
	}
	picker := app.HTMLString(messageActions(false, true))
	if !strings.Contains(picker, "aria-expanded") || strings.Contains(picker, `aria-expanded="false"`) {
		t.Errorf("React does not say the picker is open: %s", picker)
	}
	for _, want := range []string{`aria-label="Reactions"`, `aria-label="React with 👍"`, `aria-label="React with 🎉"`} {
		if !strings.Contains(picker, want) {
			t.Errorf("picker lacks %s: %s", want, picker)
		}
	}
}

func TestMessageItem_EditedDeletedReactionsReply(t *testing.T) {
	edited := message("lunch at 1?", false, chat.StatusDelivered)
	edited.Edited = true
	item := lineItem(edited)
	// li > div.bubble > div.meta > [nick, time, span.edited, status]
	if err := app.Match(app.Text("edited"), item, 1, 0, 2, 0); err != nil {
		t.Errorf("edited mark: %v", err)
	}

	deleted := message("", true, chat.StatusDelivered)
	deleted.Deleted = true
	item = lineItem(deleted)
	if html := app.HTMLString(item); !strings.Contains(html, `class="msg mine deleted"`) {
		t.Errorf("deleted class: %s", html)
	}
	if err := app.Match(app.Text(deletedText), item, append(textPath, 0)...); err != nil {
		t.Errorf("deleted text: %v", err)
	}
	if err := app.Match(app.Elem("div"), item, 1, 2); err == nil {
		t.Error("a deleted message offers actions")
	}

	reacted := message("hi", false, chat.StatusDelivered)
	reacted.Reactions = []chat.Reaction{{Emoji: "👍", Count: 2, Nicks: []string{"Ada", "Bob"}, Mine: true}}
	item = lineItem(reacted)
	if err := app.Match(app.Text("👍 2"), item, 1, 2, 0, 0); err != nil {
		t.Errorf("reaction: %v", err)
	}
	// go-app prints "true" as a bare attribute; the browser gets setAttribute("aria-pressed", "true").
	if html := app.HTMLString(item); !strings.Contains(html, "aria-pressed") || strings.Contains(html, `aria-pressed="false"`) ||
		!strings.Contains(html, `aria-label="👍 2: Ada, Bob"`) {
		t.Errorf("reaction's accessible name and state: %s", html)
	}
	reacted.Reactions[0].Mine = false
	if html := app.HTMLString(lineItem(reacted)); !strings.Contains(html, `aria-pressed="false"`) {
		t.Errorf("a reaction not mine: %s", html)
	}

	re := message("yes!", false, chat.StatusDelivered)
	re.Reply = &chat.Quote{Key: "ada/1", Nick: "Ada", Text: "lunch?"}
	item = lineItem(re)
	if html := app.HTMLString(item); !strings.Contains(html, `aria-label="Replying to Ada: lunch?. Show the message"`) {
		t.Errorf("quote: %s", html)
	}
	re.Reply = &chat.Quote{Key: "ada/1", Nick: "Ada", Deleted: true}
	if err := app.Match(app.Text(deletedText), lineItem(re), 1, 0, 0, 0); err != nil {
		t.Errorf("deleted quote: %v", err)
	}
}

// TestMessageList_RowButtonsShareOneListener: the row buttons have no
// listener of their own; the list's one click and one keydown listener act
// for them (row-clicks.go, pressed in the browser by app/e2e's threads,
// rooms and mentions tests), and the list says which row's picker is open.
func TestMessageList_RowButtonsShareOneListener(t *testing.T) {
	mine := message("hi", true, chat.StatusDelivered)
	mine.Reactions = []chat.Reaction{{Emoji: "👍", Count: 1, Nicks: []string{"Ada"}}}
	mine.Reply = &chat.Quote{Key: "ada/1", Nick: "Ada", Text: "lunch?"}
	html := app.HTMLString(messageItem(mine, false, nil, true, mentionable{}))
	if strings.Contains(html, "onclick") || strings.Contains(html, "onkeydown") {
		t.Errorf("a row has listeners of its own: %s", html)
	}
	list := &MessageList{Room: "lobby", Lines: []chat.Line{mine}, picking: mine.Key}
	engine := app.NewTestEngine()
	if err := engine.Load(list); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	want := app.Elem("ul").ID("messages").Class("messages").Role("log").
		Aria("live", "polite").Aria("relevant", "additions").Aria("label", "Messages in lobby").
		OnClick(list.onRowClick).OnKeyDown(list.onRowKeyDown)
	if err := app.Match(want, list, 0, 0); err != nil {
		t.Error(err)
	}
	// ul > [li.day, MessageItem]: its picker is open.
	if err := app.Match(&MessageItem{Line: mine, Me: "", Picking: true}, list, 0, 0, 1); err != nil {
		t.Error(err)
	}
}
