package ui

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// DefaultRenderInterval is the shortest time between two renders of the
// conversation: at 100 incoming messages per second, changes are coalesced
// into at most 20 renders per second instead of one per message.
const DefaultRenderInterval = 50 * time.Millisecond

// session is the chat.Client of one room and the goroutines around it.
// app.Context is never cancelled when a component dismounts, so a session
// carries its own cancel: stopping it ends the client's Run and the watcher.
type session struct {
	room   string
	token  string
	client *chat.Client
	cancel context.CancelFunc
	// done is closed when the client's Run has returned (and persisted).
	done chan struct{}
	// releaseFlush removes the page-hide listeners that flush the client.
	releaseFlush func()

	// Guarded by the UI goroutine: the last View, and which of its messages
	// were notified.
	view     chat.View
	notifier notifier
}

// startSession creates the client for opts.Room, runs it, and calls onView on
// the UI goroutine with a fresh View whenever the client changes, at most
// once per DefaultRenderInterval.
func startSession(ctx app.Context, opts chat.Options, onView func(app.Context, *session, chat.View)) *session {
	runCtx, cancel := context.WithCancel(context.Background())
	s := &session{room: opts.Room, token: opts.Token, client: chat.New(opts), cancel: cancel, done: make(chan struct{})}
	s.releaseFlush = flushOnHide(s.client)
	ctx.Async(func() {
		defer close(s.done)
		s.client.Run(runCtx)
	})
	ctx.Async(func() { s.watch(runCtx, ctx, onView) })
	return s
}

// stop ends the session. The client closes its connection and persists its
// history when Run returns; views it still produces are dropped by watch.
func (s *session) stop() {
	s.releaseFlush()
	s.cancel()
}

func (s *session) watch(runCtx context.Context, ctx app.Context, onView func(app.Context, *session, chat.View)) {
	pause := time.NewTimer(0)
	defer pause.Stop()
	for {
		select {
		case <-runCtx.Done():
			return
		case <-s.client.Changed():
		}
		// A key typed just now is shown first (key-frame.go).
		if !waitForKeyFrame(runCtx, pause) {
			return
		}
		// View copies the lines; taking it here keeps that work off the UI
		// goroutine.
		view := s.client.View()
		ctx.Dispatch(func(ctx app.Context) {
			if runCtx.Err() == nil {
				onView(ctx, s, view)
			}
		})

		// Whatever changes during the pause is read once, after it: Changed
		// holds at most one pending signal.
		pause.Reset(DefaultRenderInterval)
		select {
		case <-runCtx.Done():
			return
		case <-pause.C:
		}
	}
}
