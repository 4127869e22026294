package ui

import (
	"testing"
	"time"
)

// TestIntlTimeFormat_KeepsTheLastTextPerMinuteAndSecond: the browser's
// formats are asked once per minute (clock) and per second (full), and
// each instant still gets its own text.
func TestIntlTimeFormat_KeepsTheLastTextPerMinuteAndSecond(t *testing.T) {
	f := newTimeFormat().(*intlTimeFormat)
	start := time.Date(2026, 3, 29, 0, 59, 58, 0, time.UTC)
	for _, at := range []time.Time{
		start, start.Add(500 * time.Millisecond), start.Add(time.Second), start.Add(3 * time.Second),
		start.Add(-24 * time.Hour), start.Add(61 * time.Second), start,
	} {
		if got, want := f.clock(at), intlFormat(f.clockFormat, at); got != want {
			t.Errorf("clock(%v) = %q, want %q", at, got, want)
		}
		if got, want := f.full(at), intlFormat(f.fullFormat, at); got != want {
			t.Errorf("full(%v) = %q, want %q", at, got, want)
		}
	}
}
