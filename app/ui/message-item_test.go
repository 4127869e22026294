package ui

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

func message(text string, mine bool, status chat.Status) chat.Line {
	return chat.Line{
		Kind:   chat.LineMessage,
		Key:    "cid1/7",
		Seq:    7,
		Nick:   "brave-otter",
		Text:   text,
		Time:   time.Date(2025, 3, 4, 15, 4, 5, 0, time.UTC),
		Mine:   mine,
		Status: status,
	}
}

// Path of the text paragraph inside a message item: li > div.bubble > p.text.
var textPath = []int{1, 1}

func TestMessageItem_Attributes(t *testing.T) {
	cases := []struct {
		name   string
		mine   bool
		status chat.Status
		class  string
	}{
		{"others", false, chat.StatusDelivered, "msg"},
		{"mine pending", true, chat.StatusPending, "msg mine"},
		{"mine sent", true, chat.StatusSent, "msg mine"},
		{"mine delivered", true, chat.StatusDelivered, "msg mine"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			line := message("hi", tc.mine, tc.status)
			want := app.Elem("li").
				Class(tc.class).
				TabIndex(0).
				DataSet("key", "cid1/7").
				DataSet("status", tc.status.String()).
				DataSet("mine", map[bool]string{true: "true", false: "false"}[tc.mine]).
				Style("--hue", "%d", nickHue("brave-otter"))
			if err := app.Match(want, lineItem(line)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestMessageItem_Parts(t *testing.T) {
	item := lineItem(message("hi", true, chat.StatusDelivered))
	// li > div.bubble > div.meta > [span.nick, time.time, span.status]
	if err := app.Match(app.Text("brave-otter"), item, 1, 0, 0, 0); err != nil {
		t.Errorf("nick: %v", err)
	}
	at := time.Date(2025, 3, 4, 15, 4, 5, 0, time.UTC)
	// The time is markup the browser parses (messageTime).
	if html := app.HTMLString(item); !strings.Contains(html, `<span aria-hidden="true">`+localTime.clock(at)+`</span>`) ||
		!strings.Contains(html, `<span class="visually-hidden">`+localTime.full(at)+`</span>`) ||
		!strings.Contains(html, `title="`+localTime.full(at)+`"`) || !strings.Contains(html, `datetime="`+datetime(localTime, at)+`"`) {
		t.Errorf("time: %s", html)
	}
	if err := app.Match(app.Text("✓✓"), item, 1, 0, 2, 0); err != nil {
		t.Errorf("delivered mark: %v", err)
	}
	if err := app.Match(app.Text("hi"), item, append(textPath, 0)...); err != nil {
		t.Errorf("text: %v", err)
	}
}

func TestMessageItem_StatusMarks(t *testing.T) {
	for status, mark := range map[chat.Status]string{
		chat.StatusPending:   "◷",
		chat.StatusSent:      "✓",
		chat.StatusDelivered: "✓✓",
	} {
		item := lineItem(message("hi", true, status))
		if err := app.Match(app.Text(mark), item, 1, 0, 2, 0); err != nil {
			t.Errorf("%v: %v", status, err)
		}
	}
	// Other people's messages carry an empty mark.
	item := lineItem(message("hi", false, chat.StatusDelivered))
	if err := app.Match(app.Elem("span").Class("status"), item, 1, 0, 2); err != nil {
		t.Errorf("others: %v", err)
	}
}

func TestMessageItem_HTMLIsText(t *testing.T) {
	hostile := `<img src=x onerror=alert(1)><script>alert(2)</script>`
	item := lineItem(message(hostile, false, chat.StatusDelivered))
	if err := app.Match(app.Text(hostile), item, append(textPath, 0)...); err != nil {
		t.Fatal(err)
	}
	// The paragraph holds exactly one child: no element was made of the text.
	if err := app.Match(app.Text(hostile), item, append(textPath, 1)...); err == nil {
		t.Fatal("text was split into more than one node")
	}
}

// Styled pieces are set in their elements, their marks left out, and what
// is inside stays text: a mark cannot make markup.
func TestMessageItem_Styles(t *testing.T) {
	text := "*bold* _it_ ~no~ `<b>x</b>` done"
	item := lineItem(message(text, false, chat.StatusDelivered))
	path := func(i ...int) []int { return append(append([]int{}, textPath...), i...) }
	for i, want := range []struct{ tag, text string }{{"strong", "bold"}, {"em", "it"}, {"s", "no"}, {"code", "<b>x</b>"}} {
		if err := app.Match(app.Elem(want.tag), item, path(2*i)...); err != nil {
			t.Errorf("%s: %v", want.tag, err)
		}
		if err := app.Match(app.Text(want.text), item, path(2*i, 0)...); err != nil {
			t.Errorf("%s text: %v", want.tag, err)
		}
		if i == 3 {
			break // " done" follows the code, checked below
		}
		if err := app.Match(app.Text(" "), item, path(2*i+1)...); err != nil {
			t.Errorf("after %s: %v", want.tag, err)
		}
	}
	if err := app.Match(app.Text(" done"), item, path(7)...); err != nil {
		t.Errorf("after code: %v", err)
	}
}

func TestMessageItem_Links(t *testing.T) {
	text := "see https://example.com/a?b=1 or javascript:alert(1) and data:text/html,x"
	item := lineItem(message(text, false, chat.StatusDelivered))
	path := func(i ...int) []int { return append(append([]int{}, textPath...), i...) }

	if err := app.Match(app.Text("see "), item, path(0)...); err != nil {
		t.Errorf("before link: %v", err)
	}
	link := app.Elem("a").Attr("href", "https://example.com/a?b=1").Attr("rel", linkRel).Attr("target", linkTarget)
	if err := app.Match(link, item, path(1)...); err != nil {
		t.Errorf("link: %v", err)
	}
	if err := app.Match(app.Text("https://example.com/a?b=1"), item, path(1, 0)...); err != nil {
		t.Errorf("link text: %v", err)
	}
	if err := app.Match(app.Text(" or javascript:alert(1) and data:text/html,x"), item, path(2)...); err != nil {
		t.Errorf("other schemes must stay text: %v", err)
	}
}

func TestIsWebURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://example.com":      true,
		"HTTP://example.com/x":     true,
		"javascript:alert(1)":      false,
		"data:text/html,x":         false,
		"//example.com":            false,
		"https:///nohost":          false,
		"vbscript:msgbox(1)":       false,
		"https://exa mple.com/%zz": false,
	} {
		if got := isWebURL(raw); got != want {
			t.Errorf("isWebURL(%q) = %v, want %v", raw, got, want)
		}
	}
}

func TestLineItem_SystemAndGap(t *testing.T) {
	sys := lineItem(chat.Line{Kind: chat.LineSystem, Key: "sys-1", Text: "brave-otter joined"})
	if err := app.Match(app.Elem("li").Class("sys").DataSet("key", "sys-1"), sys); err != nil {
		t.Error(err)
	}
	if err := app.Match(app.Text("brave-otter joined"), sys, 0, 0); err != nil {
		t.Error(err)
	}
	gap := lineItem(chat.Line{Kind: chat.LineGap, Key: "gap-1"})
	if err := app.Match(app.Elem("li").Class("gap").DataSet("key", "gap-1").Role("separator"), gap); err != nil {
		t.Error(err)
	}
	if err := app.Match(app.Text(gapText), gap, 0, 0); err != nil {
		t.Error(err)
	}
}

func TestInitial(t *testing.T) {
	for nick, want := range map[string]string{"brave-otter": "B", "  émile": "É", "": "?", "😀x": "😀"} {
		if got := initial(nick); got != want {
			t.Errorf("initial(%q) = %q, want %q", nick, got, want)
		}
	}
}

func TestNickHue_StableAndInRange(t *testing.T) {
	a, b := nickHue("brave-otter"), nickHue("brave-otter")
	if a != b || a < 0 || a >= 360 {
		t.Fatalf("nickHue = %d, %d", a, b)
	}
}

// TestMessageItem_Isolated: the nick is a <bdi> and the text has dir="auto",
// so neither can reorder the other or the page around them.
func TestMessageItem_Isolated(t *testing.T) {
	item := lineItem(message("\u202eevil", false, chat.StatusDelivered))
	if err := app.Match(app.Elem("bdi").Class("nick"), item, 1, 0, 0); err != nil {
		t.Errorf("nick: %v", err)
	}
	if err := app.Match(app.Elem("p").Class("text").Dir("auto"), item, textPath...); err != nil {
		t.Errorf("text: %v", err)
	}
}

// TestMessageItem_LongMessageIsCut: a long message shows its first
// maxShownRunes characters and "Show all"; a link cut at the end stays text.
func TestMessageItem_LongMessageIsCut(t *testing.T) {
	long := strings.Repeat("é", maxShownRunes-20) + " https://example.com/a-long-path"
	shown, cut := shownText(long)
	if !cut || utf8.RuneCountInString(shown) != maxShownRunes || !strings.HasPrefix(long, shown) {
		t.Fatalf("shownText: %d runes, cut %v", utf8.RuneCountInString(shown), cut)
	}
	if same, cut := shownText("short"); same != "short" || cut {
		t.Fatalf("a short message was cut")
	}
	item := messageItem(message(long, false, chat.StatusDelivered), false, func(app.Context, app.Event) {}, false, mentionable{})
	path := func(i ...int) []int { return append(append([]int{}, textPath...), i...) }
	if err := app.Match(app.Text(strings.Repeat("é", maxShownRunes-20)+" "), item, path(0)...); err != nil {
		t.Errorf("shown part: %v", err)
	}
	if err := app.Match(app.Text("https://example.com"), item, path(1)...); err != nil {
		t.Errorf("the cut link must stay text: %v", err)
	}
	if err := app.Match(app.Text("…"), item, path(2)...); err != nil {
		t.Errorf("no ellipsis: %v", err)
	}
	if err := app.Match(app.Text("Show all ("+strconv.Itoa((len(long)+999)/1000)+" KB)"), item, 1, 2, 0); err != nil {
		t.Errorf("no Show all: %v", err)
	}
	full := messageItem(message(long, false, chat.StatusDelivered), true, nil, false, mentionable{})
	if err := app.Match(app.Text(strings.Repeat("é", maxShownRunes-20)+" "), full, path(0)...); err != nil {
		t.Errorf("expanded: %v", err)
	}
	if err := app.Match(app.Elem("a").Attr("href", "https://example.com/a-long-path").Attr("rel", linkRel).Attr("target", linkTarget), full, path(1)...); err != nil {
		t.Errorf("expanded link: %v", err)
	}
}

// TestMessageItem_Mentions: "@nick" of people present is a highlighted
// <span> holding text, mine marked mention-me, and a message that mentions
// me marks its row; links keep winning over what looks like a mention.
func TestMessageItem_Mentions(t *testing.T) {
	line := message("hi @bob and @Ada <b>, see https://x.example/@Bob @Zed", false, chat.StatusDelivered)
	item := messageItem(line, false, nil, false, mentionable{nicks: []string{"Ada", "Bob", "Zoe"}, me: "Bob"})
	path := func(i ...int) []int { return append(append([]int{}, textPath...), i...) }
	for i, want := range []app.UI{
		app.Text("hi "),
		app.Elem("span").Class("mention mention-me"),
		app.Text(" and "),
		app.Elem("span").Class("mention"),
		app.Text(" <b>, see "),
		app.Elem("a").Attr("href", "https://x.example/@Bob").Attr("rel", linkRel).Attr("target", linkTarget),
		app.Text(" @Zed"),
	} {
		if err := app.Match(want, item, path(i)...); err != nil {
			t.Errorf("segment %d: %v", i, err)
		}
	}
	if err := app.Match(app.Text("@bob"), item, path(1, 0)...); err != nil {
		t.Errorf("the mention's text: %v", err)
	}
	if html := app.HTMLString(item); !strings.Contains(html, `class="msg mentions-me"`) || !strings.Contains(html, `tabindex="0"`) {
		t.Errorf("the row of a message that mentions me: %s", html)
	}
	// Not a mention of me, nor my own message: no row mark.
	for _, l := range []chat.Line{message("hi @Ada", false, chat.StatusDelivered), message("hi @Bob", true, chat.StatusDelivered)} {
		if html := app.HTMLString(messageItem(l, false, nil, false, mentionable{nicks: []string{"Ada"}, me: "Bob"})); strings.Contains(html, "mentions-me") {
			t.Errorf("%q (mine %v) marks the row: %s", l.Text, l.Mine, html)
		}
	}
}

// TestWithMentions: the people present go only to rows whose text has an
// "@", so that a join does not re-render the others.
func TestWithMentions(t *testing.T) {
	items := withMentions([]app.UI{
		&MessageItem{Line: message("no mention", false, chat.StatusDelivered)},
		app.Elem("li").Class("day"),
		&MessageItem{Line: message("hi @Ada", false, chat.StatusDelivered)},
	}, []string{"Ada"}, "Bob")
	plain, mention := items[0].(*MessageItem), items[2].(*MessageItem)
	if plain.Nicks != nil || plain.Me != "Bob" || len(mention.Nicks) != 1 || mention.Me != "Bob" {
		t.Errorf("plain %q %q, mention %q %q", plain.Nicks, plain.Me, mention.Nicks, mention.Me)
	}
}
