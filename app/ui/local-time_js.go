package ui

import (
	"syscall/js"
	"time"
)

// intlTimeFormat asks the browser: Intl.DateTimeFormat in the person's
// locale and zone (undefined locale and timeZone mean the browser's own),
// and Date.getTimezoneOffset for the offset at an instant.
type intlTimeFormat struct {
	clockFormat, dateFormat, fullFormat js.Value
	dateType                            js.Value // the Date constructor

	// offsets caches the offset per quarter of an hour: zones change their
	// offset on a quarter-hour boundary, and rendering a list asks for the
	// same few quarters hundreds of times.
	offsets map[int64]time.Duration

	// lastClock and lastFull are the last text of the clock (per minute:
	// zones are offset by whole minutes) and of the full date and time
	// (per second): messages that arrive together share them, and each is
	// otherwise a call into the browser per message.
	lastClock, lastFull lastFormatted
}

// lastFormatted is a format's last text and the minute or second it is
// the text of.
type lastFormatted struct {
	at   int64
	text string
}

// format returns the text of dtf for t, whose minute or second is at.
func (l *lastFormatted) format(dtf js.Value, t time.Time, at int64) string {
	if l.text == "" || l.at != at {
		l.at, l.text = at, intlFormat(dtf, t)
	}
	return l.text
}

// maxCachedOffsets bounds intlTimeFormat.offsets (a few days of history).
const maxCachedOffsets = 512

func newTimeFormat() timeFormat {
	dateTimeFormat := js.Global().Get("Intl").Get("DateTimeFormat")
	styles := func(pairs ...string) js.Value {
		o := js.Global().Get("Object").New()
		for i := 0; i+1 < len(pairs); i += 2 {
			o.Set(pairs[i], pairs[i+1])
		}
		return dateTimeFormat.New(js.Undefined(), o)
	}
	return &intlTimeFormat{
		clockFormat: styles("timeStyle", "short"),
		dateFormat:  styles("dateStyle", "full"),
		fullFormat:  styles("dateStyle", "full", "timeStyle", "medium"),
		dateType:    js.Global().Get("Date"),
		offsets:     map[int64]time.Duration{},
	}
}

func (f *intlTimeFormat) offset(t time.Time) time.Duration {
	quarter := t.Unix() / (15 * 60)
	if d, ok := f.offsets[quarter]; ok {
		return d
	}
	minutes := f.dateType.New(float64(t.UnixMilli())).Call("getTimezoneOffset").Int()
	d := -time.Duration(minutes) * time.Minute // minutes west of UTC
	if len(f.offsets) >= maxCachedOffsets {
		clear(f.offsets)
	}
	f.offsets[quarter] = d
	return d
}

func (f *intlTimeFormat) clock(t time.Time) string {
	return f.lastClock.format(f.clockFormat, t, t.Unix()/60)
}
func (f *intlTimeFormat) date(t time.Time) string { return intlFormat(f.dateFormat, t) }
func (f *intlTimeFormat) full(t time.Time) string {
	return f.lastFull.format(f.fullFormat, t, t.Unix())
}

// intlFormat takes the instant as milliseconds: Intl accepts a time value, no
// Date object needed.
func intlFormat(dtf js.Value, t time.Time) string {
	return dtf.Call("format", float64(t.UnixMilli())).String()
}
