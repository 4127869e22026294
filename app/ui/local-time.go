package ui

import (
	"time"
)

// timeFormat writes instants as the person's own clock and calendar show
// them. Go's js/wasm runtime fixes time.Local's offset when the wasm starts,
// so an offset taken from it is an hour off on the other side of a daylight
// saving change: in the browser the zone, its rules and the locale's way of
// writing dates come from Intl.DateTimeFormat (local-time_js.go). Tests
// inject a goTimeFormat of a chosen zone.
type timeFormat interface {
	// offset is the person's UTC offset at t, daylight saving included.
	offset(t time.Time) time.Duration
	// clock is the time of day in the person's locale: "14:05", "2:05 PM".
	clock(t time.Time) string
	// date is the calendar date in the person's locale, with the weekday.
	date(t time.Time) string
	// full is the date and the time to the second, for hovering and for
	// screen readers.
	full(t time.Time) string
}

// localTime is the formatter every component uses; see newTimeFormat.
var localTime = newTimeFormat()

// civilDay is a calendar day on the person's wall calendar.
type civilDay struct {
	year  int
	month time.Month
	day   int
}

// dayOf returns the calendar day t falls on in the person's zone.
func dayOf(f timeFormat, t time.Time) civilDay {
	y, m, d := t.Add(f.offset(t)).UTC().Date()
	return civilDay{y, m, d}
}

// before returns the calendar day before d, whatever its length in hours.
func (d civilDay) before() civilDay {
	y, m, day := time.Date(d.year, d.month, d.day-1, 12, 0, 0, 0, time.UTC).Date()
	return civilDay{y, m, day}
}

// dayLabel names the day of t for a day separator: "Today", "Yesterday",
// else the date as the person's locale writes it.
func dayLabel(f timeFormat, t time.Time, today civilDay) string {
	switch dayOf(f, t) {
	case today:
		return "Today"
	case today.before():
		return "Yesterday"
	}
	return f.date(t)
}

// datetime is t for a <time datetime> attribute: RFC 3339 with the person's
// offset at t.
func datetime(f timeFormat, t time.Time) string {
	return t.In(time.FixedZone("", int(f.offset(t)/time.Second))).Format(time.RFC3339)
}

// goTimeFormat formats with Go's zone rules for loc and fixed English
// layouts: the formatter of tests and of the page rendered ahead of time.
type goTimeFormat struct{ loc *time.Location }

func (g goTimeFormat) offset(t time.Time) time.Duration {
	_, seconds := t.In(g.loc).Zone()
	return time.Duration(seconds) * time.Second
}

func (g goTimeFormat) clock(t time.Time) string { return t.In(g.loc).Format("15:04") }
func (g goTimeFormat) date(t time.Time) string  { return t.In(g.loc).Format("Monday 2 January 2006") }
func (g goTimeFormat) full(t time.Time) string {
	return t.In(g.loc).Format("Monday 2 January 2006, 15:04:05")
}

// nextDayStart returns the first instant of the calendar day after now's in
// the person's zone: the moment "Today" becomes "Yesterday". A day may start
// at 01:00 where a zone moves its clocks at midnight (Sao Paulo until 2018),
// so the offset of either side of the change is tried and the earliest
// instant that falls on the next day wins. ok is false only for a zone no
// real one resembles; the caller then looks again a little later.
func nextDayStart(f timeFormat, now time.Time) (start time.Time, ok bool) {
	day := dayOf(f, now)
	next := time.Date(day.year, day.month, day.day+1, 0, 0, 0, 0, time.UTC) // the wall clock's 00:00, as if UTC
	before := f.offset(now)
	for _, offset := range []time.Duration{f.offset(next.Add(-before)), before} {
		t := next.Add(-offset)
		if t.After(now) && dayOf(f, t) != day && (!ok || t.Before(start)) {
			start, ok = t, true
		}
	}
	return start, ok
}

// untilNextDay is how long after now the day separators must be drawn again
// so that a page left open overnight stops calling yesterday "Today". A
// timer may fire a little early or the machine may sleep through it: the
// separators are drawn from the clock at render time, and the caller simply
// schedules again.
func untilNextDay(f timeFormat, now time.Time) time.Duration {
	if start, ok := nextDayStart(f, now); ok {
		return start.Sub(now)
	}
	return time.Hour
}
