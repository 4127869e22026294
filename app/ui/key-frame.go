package ui

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// A key's frame: go-app renders on a timer of its own (a task like any
// other), not in the browser's frame. During a flood, a view that falls due
// just after a keypress runs its render (10-15 ms) between the key's task
// and the frame that shows the key, and the person waits for both
// (BENCHMARKS.md, "The flood's first key: views held for the key's frame").
// So a session holds a new view while a key awaits its frame: app.js
// (app/appjs.go, chatKeyFrame) raises self.chatKeyAwaitsFrame at every
// keydown, before the key reaches Go, and lowers it after the key's frame.

// keyFrameWait bounds the hold of one view: about two frames at 60 Hz, so
// that someone typing fast through a flood still sees its messages come, a
// frame or two late at most, and a page whose frames stopped (hidden, where
// requestAnimationFrame does not run) is never held longer.
const keyFrameWait = 32 * time.Millisecond

// keyFramePoll is how often a held view looks again: each look is a short
// task of its own (a Go timer), and the view follows the key's frame within
// one poll.
const keyFramePoll = 4 * time.Millisecond

// keyAwaitsFrame reports whether a key typed in the page has not been shown
// by a frame yet. Outside a browser nothing is typed.
func keyAwaitsFrame() bool { return app.Window().Get("chatKeyAwaitsFrame").Truthy() }

// waitForKeyFrame returns once no key awaits its frame, or keyFrameWait
// after it was called; false if ctx ended first. timer is the caller's
// stopped or fired timer, reused.
func waitForKeyFrame(ctx context.Context, timer *time.Timer) bool {
	for deadline := time.Now().Add(keyFrameWait); keyAwaitsFrame() && time.Now().Before(deadline); {
		timer.Reset(keyFramePoll)
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
		}
	}
	return true
}
