package chat

import (
	"reflect"
	"testing"
)

func TestLinkify(t *testing.T) {
	link := func(u string) Segment { return Segment{Text: u, URL: u} }
	text := func(s string) Segment { return Segment{Text: s} }
	cases := []struct {
		in   string
		want []Segment
	}{
		{"", nil},
		{"no links here", []Segment{text("no links here")}},
		{"https://example.com", []Segment{link("https://example.com")}},
		{"see https://example.com/a?b=c#d.", []Segment{text("see "), link("https://example.com/a?b=c#d"), text(".")}},
		{"two: http://a.example, and HTTPS://b.example/x!", []Segment{text("two: "), link("http://a.example"), text(", and "), link("HTTPS://b.example/x"), text("!")}},
		{"(https://en.wikipedia.org/wiki/Go_(game))", []Segment{text("("), link("https://en.wikipedia.org/wiki/Go_(game)"), text(")")}},
		{"(see https://example.com/x)", []Segment{text("(see "), link("https://example.com/x"), text(")")}},
		{"javascript:alert(1)", []Segment{text("javascript:alert(1)")}},
		{"javascript:alert('http://x.example')", []Segment{text("javascript:alert('"), link("http://x.example"), text("')")}},
		{"data:text/html,<script>alert(1)</script>", []Segment{text("data:text/html,<script>alert(1)</script>")}},
		{"xhttp://evil.example", []Segment{text("xhttp://evil.example")}},
		{"http://", []Segment{text("http://")}},
		{"https:///nohost", []Segment{text("https:///nohost")}},
		{`<a href="http://x.example">`, []Segment{text(`<a href="`), link("http://x.example"), text(`">`)}},
		{"line\nhttps://a.example\nnext", []Segment{text("line\n"), link("https://a.example"), text("\nnext")}},
		{"café https://例え.jp/パス ok", []Segment{text("café "), link("https://例え.jp/パス"), text(" ok")}},
	}
	for _, tc := range cases {
		if got := Linkify(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Linkify(%q) =\n  %+v\nwant\n  %+v", tc.in, got, tc.want)
		}
	}
}

func TestLinkify_ReassemblesTheText(t *testing.T) {
	for _, in := range []string{"a http://b.example c", "http://x.example. http://y.example,", "🙂 https://z.example/🙂)"} {
		var joined string
		for _, s := range Linkify(in) {
			joined += s.Text
			if s.URL != "" && s.URL != s.Text {
				t.Errorf("link text %q differs from its URL %q", s.Text, s.URL)
			}
		}
		if joined != in {
			t.Errorf("segments of %q join to %q", in, joined)
		}
	}
}
