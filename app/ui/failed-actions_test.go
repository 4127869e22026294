package ui

import (
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

func TestMessageItem_FailedShowsReasonRetryAndDelete(t *testing.T) {
	line := message("too big", true, chat.StatusFailed)
	line.Failure = "message is too long: 2 KB, the limit is 1 KB"
	item := lineItem(line)
	if err := app.Match(app.Text("!"), item, 1, 0, 2, 0); err != nil {
		t.Errorf("failed mark: %v", err)
	}
	if err := app.Match(&FailedActions{Key: "cid1/7", Reason: line.Failure}, item, 1, 2); err != nil {
		t.Fatalf("actions: %v", err)
	}
	actions := (&FailedActions{Key: "cid1/7", Reason: line.Failure}).Render()
	if err := app.Match(app.Text("Not sent: "+line.Failure), actions, 0, 0); err != nil {
		t.Errorf("reason: %v", err)
	}
	for i, label := range []string{"Retry", "Delete"} {
		if err := app.Match(app.Text(label), actions, i+1, 0); err != nil {
			t.Errorf("%s button: %v", label, err)
		}
	}
	for _, status := range []chat.Status{chat.StatusPending, chat.StatusSent, chat.StatusDelivered} {
		if err := app.Match(&FailedActions{}, lineItem(message("ok", true, status)), 1, 2); err == nil {
			t.Errorf("%v message offers Retry/Delete", status)
		}
	}
}
