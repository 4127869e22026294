package ui

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin whatever the machine's zoneinfo

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// berlin injects a formatter of Europe/Berlin, a zone with daylight saving:
// CET (+01:00) until 2026-03-29 01:00 UTC, then CEST (+02:00) until
// 2026-10-25 01:00 UTC.
func berlin(t *testing.T) timeFormat {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	old := localTime
	localTime = goTimeFormat{loc: loc}
	t.Cleanup(func() { localTime = old })
	return localTime
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestMessageTime_AcrossDST: each message shows the wall-clock time of its
// own instant, on either side of a change, not the offset of today.
func TestMessageTime_AcrossDST(t *testing.T) {
	berlin(t)
	for _, tc := range []struct{ at, clock, datetime, full string }{
		{"2026-03-29T00:30:05Z", "01:30", "2026-03-29T01:30:05+01:00", "Sunday 29 March 2026, 01:30:05"},
		{"2026-03-29T01:30:05Z", "03:30", "2026-03-29T03:30:05+02:00", "Sunday 29 March 2026, 03:30:05"},
		{"2026-10-25T00:30:00Z", "02:30", "2026-10-25T02:30:00+02:00", "Sunday 25 October 2026, 02:30:00"},
		{"2026-10-25T01:30:00Z", "02:30", "2026-10-25T02:30:00+01:00", "Sunday 25 October 2026, 02:30:00"},
	} {
		// One piece of markup (messageTime): the browser parses it.
		html := app.HTMLString(messageTime(utc(tc.at)))
		for _, want := range []string{
			`<time class="time" datetime="` + tc.datetime + `" title="` + tc.full + `">`,
			`<span aria-hidden="true">` + tc.clock + `</span>`, // screen readers get the full date and time, not "01:30"
			`<span class="visually-hidden">` + tc.full + `</span></time>`,
		} {
			if !strings.Contains(html, want) {
				t.Errorf("%s: no %s in %s", tc.at, want, html)
			}
		}
	}
}

// hostileFormat writes every time as markup, as no browser's Intl does.
type hostileFormat struct{ goTimeFormat }

func (hostileFormat) clock(time.Time) string { return `<b onclick="x">&` }
func (hostileFormat) full(time.Time) string  { return `"><img src=x>` }

// TestMessageTime_Escaped: the time is markup the browser parses
// (messageTime), and what the formats write stays text in it.
func TestMessageTime_Escaped(t *testing.T) {
	old := localTime
	localTime = hostileFormat{goTimeFormat{loc: time.UTC}}
	t.Cleanup(func() { localTime = old })
	html := app.HTMLString(messageTime(utc("2026-03-29T00:30:05Z")))
	for _, bad := range []string{"<b", "<img", `title=""`} {
		if strings.Contains(html, bad) {
			t.Errorf("%s got into the markup: %s", bad, html)
		}
	}
	if !strings.Contains(html, "&lt;b onclick=&#34;x&#34;&gt;&amp;") || !strings.Contains(html, `title="&#34;&gt;&lt;img src=x&gt;"`) {
		t.Errorf("the times are not escaped: %s", html)
	}
}

// TestDayLabel: Today and Yesterday are calendar days in the person's zone
// (a day may last 23 or 25 hours), older days are dates.
func TestDayLabel(t *testing.T) {
	f := berlin(t)
	today := civilDay{2026, time.March, 30}
	for at, want := range map[string]string{
		"2026-03-29T22:30:00Z": "Today",     // 00:30 CEST on the 30th, though the 29th in UTC
		"2026-03-29T21:59:59Z": "Yesterday", // 23:59:59 CEST on the 29th
		"2026-03-28T23:00:00Z": "Yesterday", // 00:00 CET on the 29th, a 23-hour day
		"2026-03-28T22:59:59Z": "Saturday 28 March 2026",
		"2025-12-31T23:30:00Z": "Thursday 1 January 2026",
	} {
		if got := dayLabel(f, utc(at), today); got != want {
			t.Errorf("dayLabel(%s) = %q, want %q", at, got, want)
		}
	}
	for day, want := range map[civilDay]civilDay{
		{2026, time.March, 1}:   {2026, time.February, 28},
		{2026, time.January, 1}: {2025, time.December, 31},
		{2024, time.March, 1}:   {2024, time.February, 29},
	} {
		if got := day.before(); got != want {
			t.Errorf("%v.before() = %v, want %v", day, got, want)
		}
	}
}

// TestMessageList_DaySeparators: a separator in front of the first line of
// each day, none between lines of one day.
func TestMessageList_DaySeparators(t *testing.T) {
	f := berlin(t)
	line := func(key, at string) chat.Line {
		return chat.Line{Kind: chat.LineMessage, Key: key, Nick: "n", Text: key, Time: utc(at)}
	}
	lines := []chat.Line{
		line("a", "2026-03-28T12:00:00Z"),
		line("b", "2026-03-28T22:59:00Z"), // 23:59 CET, still the 28th
		line("c", "2026-03-29T08:00:00Z"),
		line("d", "2026-03-29T22:30:00Z"), // 00:30 CEST on the 30th
		{Kind: chat.LineGap, Key: "gap"},  // no time: no day of its own
		line("e", "2026-03-30T09:00:00Z"),
	}
	items := withDaySeparators(lines, dayOf(f, utc("2026-03-30T10:00:00Z")), "")
	var got []string
	for _, item := range items {
		if m, ok := item.(*MessageItem); ok {
			got = append(got, m.Line.Key)
			continue
		}
		label := "?"
		for _, want := range []string{"Saturday 28 March 2026", "Yesterday", "Today"} {
			if app.Match(app.Text(want), item, 0, 0) == nil {
				label = want
			}
		}
		got = append(got, "["+label+"]")
	}
	want := []string{"[Saturday 28 March 2026]", "a", "b", "[Yesterday]", "c", "[Today]", "d", "gap", "e"}
	if len(got) != len(want) {
		t.Fatalf("rendered %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rendered %v, want %v", got, want)
		}
	}
	if err := app.Match(app.Elem("li").Class("day"), items[0]); err != nil {
		t.Error(err)
	}
	if err := app.Match(app.Elem("time").Class("day-label").Attr("datetime", "2026-03-28"), items[0], 0); err != nil {
		t.Error(err)
	}
}

// TestNextDayStart_LocalMidnight: the separators are relabelled at the
// person's midnight, which moves against UTC across a daylight saving change
// and is 01:00 where the clocks jump at midnight. Without the timer a page
// left open overnight keeps "Today" on yesterday's messages.
func TestNextDayStart_LocalMidnight(t *testing.T) {
	berlin(t)
	saoPaulo, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f         timeFormat
		now, want string
	}{
		{localTime, "2026-03-28T12:00:00Z", "2026-03-28T23:00:00Z"}, // CET: 00:00 on the 29th
		{localTime, "2026-03-28T22:59:59Z", "2026-03-28T23:00:00Z"},
		{localTime, "2026-03-29T12:00:00Z", "2026-03-29T22:00:00Z"}, // the 23-hour day ends in CEST
		{localTime, "2026-10-25T12:00:00Z", "2026-10-25T23:00:00Z"}, // the 25-hour day ends in CET
		{localTime, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"}, // at midnight: the next one
		// 2018-11-04 began at 01:00 -02:00 in Sao Paulo, 03:00 UTC.
		{goTimeFormat{loc: saoPaulo}, "2018-11-03T15:00:00Z", "2018-11-04T03:00:00Z"},
	} {
		got, ok := nextDayStart(tc.f, utc(tc.now))
		if !ok || !got.Equal(utc(tc.want)) {
			t.Errorf("nextDayStart(%s) = %s, %v; want %s", tc.now, got.UTC().Format(time.RFC3339), ok, tc.want)
		}
		if d := untilNextDay(tc.f, utc(tc.now)); d != utc(tc.want).Sub(utc(tc.now)) {
			t.Errorf("untilNextDay(%s) = %s", tc.now, d)
		}
		// The label flips exactly there: Today just before, Yesterday after.
		msg := utc(tc.now)
		if got := dayLabel(tc.f, msg, dayOf(tc.f, got.Add(-time.Second))); got != "Today" {
			t.Errorf("%s a second before the next day: %q", tc.now, got)
		}
		if got := dayLabel(tc.f, msg, dayOf(tc.f, got)); got != "Yesterday" {
			t.Errorf("%s at the next day: %q", tc.now, got)
		}
	}
}
