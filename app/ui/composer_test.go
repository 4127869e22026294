package ui

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestComposer_MentionList: the list of people to mention is a listbox the
// box controls; while open, the box says so and names the active option.
func TestComposer_MentionList(t *testing.T) {
	c := &Composer{Room: "lobby", Nicks: []string{"Bob", "Bobby"}}
	closed := app.HTMLString(c.Render())
	for _, want := range []string{`id="mention-list"`, `role="listbox"`, `aria-controls="mention-list"`, `aria-expanded="false"`, `aria-autocomplete="list"`, "hidden"} {
		if !strings.Contains(closed, want) {
			t.Errorf("closed: no %s in %s", want, closed)
		}
	}
	if strings.Contains(closed, "aria-activedescendant") || strings.Contains(closed, `role="option"`) {
		t.Errorf("closed list names an option: %s", closed)
	}

	c.mention = completion{matches: []string{"Bob", "Bobby"}, active: 1}
	open := c.Render()
	html := app.HTMLString(open)
	for _, want := range []string{`aria-activedescendant="mention-option-1"`, `id="mention-option-0"`, `id="mention-option-1"`, `role="option"`} {
		if !strings.Contains(html, want) {
			t.Errorf("open: no %s in %s", want, html)
		}
	}
	if strings.Contains(html, `aria-expanded="false"`) || !strings.Contains(html, `hidden="false"`) {
		t.Errorf("open list says it is closed: %s", html)
	}
	// form > [mode, ul#mention-list > li > bdi, …]: each option is the nick, as text.
	// Attributes come in any order: look at the option's own tag.
	if tag := openingTag(html, `id="mention-option-1"`); !strings.Contains(tag+" ", "aria-selected ") && !strings.Contains(tag, "aria-selected>") {
		t.Errorf("the active option is not selected: %s", tag)
	}
	if tag := openingTag(html, `id="mention-option-0"`); !strings.Contains(tag, `aria-selected="false"`) {
		t.Errorf("the other option is selected: %s", tag)
	}
	if err := app.Match(app.Text("Bobby"), open, 1, 1, 0, 0); err != nil {
		t.Error(err)
	}
}

func TestByteOffset(t *testing.T) {
	s := "é👩@Bo"
	for at, want := range map[int]int{0: 0, 1: 2, 3: 6, 4: 7, 6: 9, 9: 9} {
		if got := byteOffset(s, at); got != want {
			t.Errorf("byteOffset(%q, %d) = %d, want %d", s, at, got, want)
		}
	}
}

func TestUTF16Len(t *testing.T) {
	for s, want := range map[string]int{"": 0, "@Bob ": 5, "é": 1, "👩‍👩‍👧": 8, "@Zoë ": 5} {
		if got := utf16Len(s); got != want {
			t.Errorf("utf16Len(%q) = %d, want %d", s, got, want)
		}
	}
}

// openingTag is the whole opening tag in html that contains attr.
func openingTag(html, attr string) string {
	i := strings.Index(html, attr)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(html[:i], "<")
	end := strings.Index(html[i:], ">")
	return html[start : i+end+1]
}

// TestLeftAfterSend_KeepsWhatWasTypedMeanwhile: a send answered later (held
// until the store opens) clears only the sent text; words typed after it,
// or an edit of it, stay in the box.
func TestLeftAfterSend_KeepsWhatWasTypedMeanwhile(t *testing.T) {
	cases := []struct{ value, sent, want string }{
		{"hello", "hello", ""},                   // answered at once: cleared
		{"hello and more", "hello", " and more"}, // typed after pressing Send
		{"help", "hello", "help"},                // edited meanwhile: kept
		{"", "hello", ""},
	}
	for _, tc := range cases {
		if got := leftAfterSend(tc.value, tc.sent); got != tc.want {
			t.Errorf("leftAfterSend(%q, %q) = %q, want %q", tc.value, tc.sent, got, tc.want)
		}
	}
}
