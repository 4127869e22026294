package chat

import "time"

// Clock is the Client's source of time. Tests inject a manual clock so that
// backoff, keepalive and persistence timers fire deterministically.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine (or, for a manual clock, when
	// time is advanced) after d; stop cancels it and reports whether it did.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// realClock is the Clock used when Options.Clock is nil.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}
