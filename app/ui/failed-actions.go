package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// Actions of a message the relay refused for good, handled by ChatApp. Their
// value is the message's Line.Key.
const (
	actionRetryMessage  = "chat/retry-message"
	actionDeleteMessage = "chat/delete-message"
	// actionCancelMessage takes a queued message back before it is sent.
	actionCancelMessage = "chat/cancel-message"
)

// FailedActions sits under one of my messages that the relay refused for
// good: why, and the two ways out, Retry and Delete. It sends actions rather
// than calling function fields, so that go-app can compare it and skip its
// re-render.
type FailedActions struct {
	app.Compo

	// Key is the message's Line.Key; Reason its Line.Failure.
	Key, Reason string
}

// Render draws the reason and the two buttons.
func (f *FailedActions) Render() app.UI {
	return app.Elem("div").Class("failed-actions").Role("group").Aria("label", "Message not sent").Body(
		app.Elem("span").Class("failed-reason").Text("Not sent: "+f.Reason),
		app.Elem("button").Class("button small ghost failed-retry").Attr("type", "button").Text("Retry").
			OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actionRetryMessage, f.Key) }),
		app.Elem("button").Class("button small ghost failed-delete").Attr("type", "button").Text("Delete").
			OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actionDeleteMessage, f.Key) }),
	)
}

// cancelButton sits under one of my messages still waiting to be sent (say,
// written offline): it takes the message back out of the outbox.
func cancelButton() app.UI {
	return app.Elem("button").Class("button small ghost act-cancel").Attr("type", "button").
		Aria("label", "Cancel sending this message").Text("Cancel").
		OnClick(sendForRow(actionCancelMessage))
}
