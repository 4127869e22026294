package ui

import (
	"syscall/js"
	"testing"
	"time"
)

// TestIntlTimeFormat_BuildsItsFormatsOnFirstUse: making the formatter, which
// the package does as it starts (inside the app's start), builds no
// Intl.DateTimeFormat, since the page's first one loads the locale's data;
// the first text asked for builds them.
func TestIntlTimeFormat_BuildsItsFormatsOnFirstUse(t *testing.T) {
	intl := js.Global().Get("Intl")
	original := intl.Get("DateTimeFormat")
	built := 0
	counting := js.FuncOf(func(this js.Value, args []js.Value) any {
		built++
		anyArgs := make([]any, len(args))
		for i, a := range args {
			anyArgs[i] = a
		}
		return original.New(anyArgs...)
	})
	defer counting.Release()
	intl.Set("DateTimeFormat", counting)
	defer intl.Set("DateTimeFormat", original)

	f := newTimeFormat()
	if built != 0 {
		t.Fatalf("newTimeFormat built %d Intl.DateTimeFormat, want none before a text is asked for", built)
	}
	at := time.Date(2026, 3, 29, 14, 5, 0, 0, time.UTC)
	if got, want := f.clock(at), intlFormat(original.New(js.Undefined(), map[string]any{"timeStyle": "short"}), at); got != want {
		t.Errorf("clock(%v) = %q, want %q", at, got, want)
	}
	if built == 0 {
		t.Error("clock built no Intl.DateTimeFormat")
	}
}

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
