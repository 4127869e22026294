package chat

import (
	"reflect"
	"strings"
	"testing"
)

// The marks people type are read as other chats read them, and only where
// they are meant as marks: never inside words, numbers, links or mentions,
// never across a line, never empty.
func TestMarkup_Styles(t *testing.T) {
	text := func(s string) Segment { return Segment{Text: s} }
	styled := func(st Style, s string) Segment { return Segment{Text: s, Style: st} }
	link := func(u string) Segment { return Segment{Text: u, URL: u} }
	mention := func(s string) Segment { return Segment{Text: s, Mention: true} }
	for _, tc := range []struct {
		in   string
		want []Segment
	}{
		{"*bold*", []Segment{styled(Bold, "bold")}},
		{"so *very* good", []Segment{text("so "), styled(Bold, "very"), text(" good")}},
		{"_so_, ~gone~ and `x := 1`", []Segment{styled(Italic, "so"), text(", "), styled(Strike, "gone"), text(" and "), styled(Code, "x := 1")}},
		{"(*a b*)", []Segment{text("("), styled(Bold, "a b"), text(")")}},
		{"*a* *b*", []Segment{styled(Bold, "a"), text(" "), styled(Bold, "b")}},
		{"*_not nested_*", []Segment{styled(Bold, "_not nested_")}},
		// Not marks.
		{"2*3*4", []Segment{text("2*3*4")}},
		{"snake_case_name", []Segment{text("snake_case_name")}},
		{"a * b * c", []Segment{text("a * b * c")}},
		{"*open", []Segment{text("*open")}},
		{"** and ``", []Segment{text("** and ``")}},
		{"***x***", []Segment{text("***x***")}},
		{"**double** and ~~marks~~", []Segment{text("**double** and ~~marks~~")}},
		{"*not\nacross*", []Segment{text("*not\nacross*")}},
		{"*a\n*b*", []Segment{text("*a\n"), styled(Bold, "b")}},
		{"_a\n_", []Segment{text("_a\n_")}},
		{"*x *y", []Segment{text("*x *y")}},
		{"é*x*é", []Segment{text("é*x*é")}},
		{"*half **", []Segment{text("*half **")}},
		// Code closes at the next backtick whatever surrounds it.
		{"`a`s", []Segment{styled(Code, "a"), text("s")}},
		{"```\nfunc f() {}\n```", []Segment{text("```\nfunc f() {}\n```")}},
		{"`*not bold*`", []Segment{styled(Code, "*not bold*")}},
		// Links and mentions are left whole, and a style never spans them.
		{"*see https://x.example/_a_* _b_", []Segment{text("*see "), link("https://x.example/_a_"), text("* "), styled(Italic, "b")}},
		{"*hi @Ada*", []Segment{text("*hi "), mention("@Ada"), text("*")}},
		{"<b>*x*</b>", []Segment{text("<b>"), styled(Bold, "x"), text("</b>")}},
	} {
		if got := Markup(tc.in, []string{"Ada"}, ""); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Markup(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// At most MaxStyled pieces are styled; the rest of the text is kept, as
// typed.
func TestMarkup_AtMostMaxStyled(t *testing.T) {
	text := strings.Repeat("*a* ", 3*MaxStyled)
	segments := Markup(text, nil, "")
	styled := 0
	var joined strings.Builder
	for _, s := range segments {
		if s.Style != 0 {
			styled++
			joined.WriteString("*" + s.Text + "*")
			continue
		}
		joined.WriteString(s.Text)
	}
	if styled != MaxStyled || joined.String() != text {
		t.Errorf("%d styled (want %d); text kept: %v", styled, MaxStyled, joined.String() == text)
	}
}
