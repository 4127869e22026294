//go:build !js

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin whatever the machine's zoneinfo

	"github.com/chromedp/chromedp"
)

// Scenario: Dana lives in Berlin (the browser runs with TZ=Europe/Berlin, a
// zone with daylight saving) and her stored history spans the change of
// 29 March 2026 (CET +01:00 until 01:00 UTC, then CEST +02:00), yesterday
// and today. Each message shows the wall-clock time of its own date — not
// the offset the page started with, as Go's js/wasm time.Local would — with
// the full date on hover, and the days are separated by "Yesterday",
// "Today" and dates.
func TestLocalTime_AcrossDaylightSaving(t *testing.T) {
	requireSuite(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	relay := startRelay(t)
	room := "e2e-local-time"
	now := time.Now().In(berlin)
	y, m, d := now.Date()
	yesterdayNoon := time.Date(y, m, d-1, 12, 0, 0, 0, berlin)
	type stored struct {
		Seq  uint64 `json:"seq"`
		TS   int64  `json:"ts"`
		CID  string `json:"cid"`
		ID   string `json:"id"`
		Nick string `json:"nick"`
		Text string `json:"text"`
	}
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	msgs := []struct {
		text     string
		at       time.Time
		datetime string // the <time datetime> the page must show, "" to skip
		clock    string // the time of day the page must show, "" to skip
	}{
		{"before the change", at("2026-03-29T00:30:05Z"), "2026-03-29T01:30:05+01:00", "01:30"},
		{"after the change", at("2026-03-29T01:30:05Z"), "2026-03-29T03:30:05+02:00", "03:30"},
		{"yesterday", yesterdayNoon, yesterdayNoon.Format(time.RFC3339), "12:00"},
		{"today", now.Add(-time.Second).Truncate(time.Second), "", ""},
	}
	var history struct {
		Seq      uint64   `json:"seq"`
		Messages []stored `json:"messages"`
	}
	for i, msg := range msgs {
		history.Messages = append(history.Messages, stored{Seq: uint64(i + 1), TS: msg.at.UnixMilli(),
			CID: "berlin-history-cid", ID: fmt.Sprint("h", i), Nick: "Erika", Text: msg.text})
	}
	raw, _ := json.Marshal(history)

	// The locale is the browser's (en-US headless): the checks below accept
	// "03:30" and "3:30 AM" alike; the zone is what is under test.
	dana := newPerson(t, "Dana", chromedp.Env("TZ=Europe/Berlin"))
	// The history is stored before the app ever starts on this origin.
	dana.do("open the origin without the app", chromedp.Navigate(relay.URL()+"/web/icon.svg"))
	dana.eval(fmt.Sprintf(`localStorage.setItem(%q, %q)`, "chat.history."+room, raw), nil)
	dana.open(roomURL(relay.URL(), room, ""))
	texts := make([]string, len(msgs))
	for i, msg := range msgs {
		texts[i] = msg.text
	}
	dana.waitMessages(waitTimeout, texts)

	var shown []struct{ Text, Datetime, Clock, Title string }
	dana.eval(`Array.from(document.querySelectorAll('#messages li.msg')).map(li => {
		const time = li.querySelector('time.time');
		return {Text: li.querySelector('.text').textContent, Datetime: time.getAttribute('datetime'),
			Clock: time.querySelector('[aria-hidden]').textContent, Title: time.title};
	})`, &shown)
	byText := map[string]int{}
	for i, s := range shown {
		byText[s.Text] = i
	}
	for _, msg := range msgs {
		s := shown[byText[msg.text]]
		if msg.datetime != "" && s.Datetime != msg.datetime {
			t.Errorf("%q: datetime %q, want %q", msg.text, s.Datetime, msg.datetime)
		}
		if msg.clock != "" && !strings.Contains(s.Clock, strings.TrimPrefix(msg.clock, "0")) {
			t.Errorf("%q shows %q, want %q (title %q)", msg.text, s.Clock, msg.clock, s.Title)
		}
	}
	if title := shown[byText["after the change"]].Title; !strings.Contains(title, "March") || !strings.Contains(title, "29") || !strings.Contains(title, "3:30:05") {
		t.Errorf("hover title %q: want the full date and time", title)
	}

	var days []string
	dana.eval(`Array.from(document.querySelectorAll('#messages li.day')).map(li => li.textContent.trim())`, &days)
	want := []string{"Sunday, March 29, 2026", "Yesterday", "Today"}
	if len(days) != len(want) || days[1] != want[1] || days[2] != want[2] || !strings.Contains(days[0], "March") || !strings.Contains(days[0], "29") {
		t.Errorf("day separators %q, want %q", days, want)
	}
	t.Logf("shown: %+v; days %q", shown, days)
}
