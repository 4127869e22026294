package chat

import (
	"reflect"
	"testing"
	"time"
)

func TestUnread_CountAndDivider(t *testing.T) {
	at := func(s int) time.Time { return time.UnixMilli(int64(s) * 1000) }
	msg := func(key string, s int, text string) Line {
		return Line{Kind: LineMessage, Key: key, Seq: uint64(s), Time: at(s), Text: text, Nick: "Bob"}
	}
	mine := func(l Line) Line { l.Mine = true; return l }
	deleted := func(l Line) Line { l.Deleted, l.Text = true, ""; return l }
	system := Line{Kind: LineSystem, Key: "!sys/1", Time: at(3), Text: "Ada joined"}
	lines := []Line{
		msg("b/1", 1, "hi"),                   // 0
		mine(msg("a/1", 2, "")),               // 1
		system,                                // 2
		msg("b/2", 4, "@Ada lunch?"),          // 3
		deleted(msg("b/3", 5, "@Ada oops")),   // 4
		msg("b/4", 6, "anyone? @ada"),         // 5
		mine(msg("a/2", 7, "me @Bob")),        // 6
		msg("b/5", 8, "mail ada@example.org"), // 7
	}
	for _, tc := range []struct {
		name string
		mark ReadMark
		want Unread
	}{
		{"never read", ReadMark{}, Unread{Count: 4, Mentions: 2, First: 0}},
		{"read up to the first", ReadMark{Key: "b/1", Time: at(1)}, Unread{Count: 3, Mentions: 2, First: 3}},
		{"read up to my own", ReadMark{Key: "a/1", Time: at(2)}, Unread{Count: 3, Mentions: 2, First: 3}},
		{"deleted ones do not count", ReadMark{Key: "b/2", Time: at(4)}, Unread{Count: 2, Mentions: 1, First: 5}},
		{"all read", ReadMark{Key: "b/5", Time: at(8)}, Unread{First: -1}},
		{"marked line gone: by time", ReadMark{Key: "b/0", Time: at(5)}, Unread{Count: 2, Mentions: 1, First: 5}},
		{"marked line gone, newer than all", ReadMark{Key: "b/9", Time: at(9)}, Unread{First: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CountUnread(lines, tc.mark, "Ada"); got != tc.want {
				t.Errorf("CountUnread = %+v, want %+v", got, tc.want)
			}
		})
	}
	if got := CountUnread(lines, ReadMark{}, ""); got.Mentions != 0 {
		t.Errorf("no nick, mentions = %d", got.Mentions)
	}
}

func TestUnread_ReadUpTo(t *testing.T) {
	at := func(s int) time.Time { return time.UnixMilli(int64(s) * 1000) }
	lines := []Line{
		{Kind: LineMessage, Key: "b/1", Seq: 1, Time: at(1)},
		{Kind: LineMessage, Key: "a/2", Time: at(9)}, // pending: no seq yet
		{Kind: LineSystem, Key: "!sys/1", Time: at(9)},
	}
	if got, want := ReadUpTo(ReadMark{}, lines), (ReadMark{Key: "b/1", Time: at(1)}); got != want {
		t.Errorf("ReadUpTo = %+v, want %+v", got, want)
	}
	newer := ReadMark{Key: "b/7", Time: at(7)} // another tab read further
	if got := ReadUpTo(newer, lines); got != newer {
		t.Errorf("ReadUpTo moved the mark back to %+v", got)
	}
	if got := ReadUpTo(newer, nil); got != newer {
		t.Errorf("ReadUpTo of nothing = %+v", got)
	}
}

func TestUnread_Mentions(t *testing.T) {
	for _, tc := range []struct {
		text, nick string
		want       bool
	}{
		{"@Ada", "Ada", true},
		{"hi @ada!", "Ada", true},
		{"@ADA, lunch?", "Ada", true},
		{"(@Ada)", "Ada", true},
		{"@Ada's turn", "Ada", true},
		{"@Adam", "Ada", false},
		{"@Ada_", "Ada", false},
		{"ada@example.org", "Ada", false},
		{"Ada", "Ada", false},
		{"@", "Ada", false},
		{"@Ad", "Ada", false},
		{"@brave-otter hi", "brave-otter", true},
		{"@brave-otters", "brave-otter", false},
		{"@brave-otter-2", "brave-otter", false},
		{"@Ada Lovelace", "Ada Lovelace", true},
		{"@Ada Lovelace", "Ada", true},
		{"@Zoë.", "zoë", true},
		{"@Zoë", "Zoe", false},
		{"@@Ada", "Ada", true},
		{"x @Bob and @Ada", "Ada", true},
		{"@Ada", "", false},
	} {
		if got := Mentions(tc.text, tc.nick); got != tc.want {
			t.Errorf("Mentions(%q, %q) = %v, want %v", tc.text, tc.nick, got, tc.want)
		}
	}
}

func TestUnread_MentionSpans(t *testing.T) {
	nicks := []string{"Ada", "Ada Lovelace", "Bob"}
	for _, tc := range []struct {
		text string
		want [][2]int
	}{
		{"hi", nil},
		{"@Ada hi", [][2]int{{0, 4}}},
		{"@Ada Lovelace hi @bob", [][2]int{{0, 13}, {17, 21}}},
		{"é@Ada @Adam @Ada", [][2]int{{13, 17}}},
	} {
		if got := MentionSpans(tc.text, nicks); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("MentionSpans(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestUnread_MentionCompletions(t *testing.T) {
	nicks := []string{"bob", "Ada", "adam", "Ada", "Zoë"}
	for _, tc := range []struct {
		draft     string
		wantStart int
		want      []string
	}{
		{"hi @a", 3, []string{"Ada", "adam"}},
		{"hi @ADA", 3, []string{"Ada", "adam"}},
		{"@", 0, []string{"Ada", "adam", "bob", "Zoë"}},
		{"@zo", 0, []string{"Zoë"}},
		{"@zoë", 0, []string{"Zoë"}},
		{"@x", 0, nil},
		{"@ada ", -1, nil},
		{"mail ada@ex", -1, nil},
		{"no mention", -1, nil},
	} {
		start, got := MentionCompletions(tc.draft, nicks)
		if start != tc.wantStart || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("MentionCompletions(%q) = %d %v, want %d %v", tc.draft, start, got, tc.wantStart, tc.want)
		}
	}
}
