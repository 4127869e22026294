package ui

import (
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// TestChatApp_SendBeforeTheStoreOpens_IsHeldThenSent: the composer works
// from the first render, while IndexedDB is still opening. A send then is
// held without an answer (the text stays in the box, no error), and sent
// once the room's client exists: it is never dropped, nor refused with
// "not ready yet".
func TestChatApp_SendBeforeTheStoreOpens_IsHeldThenSent(t *testing.T) {
	c := &ChatApp{}
	c.onSend(app.Context{}, app.Action{Name: actionSend, Value: "early words"})
	if c.sendsAnswered != 0 || c.sendErr != "" {
		t.Fatalf("before the store: answered %d, error %q; want the send held, unanswered", c.sendsAnswered, c.sendErr)
	}

	// What start does: the store is open and the URL's room is live.
	store := chat.NewMemoryStore()
	c.store = store
	c.session = &session{room: "lobby", client: chat.New(chat.Options{Room: "lobby", CID: "c1", Store: store})}
	c.sendHeld()

	if c.sendsAnswered != 1 || c.sendErr != "" {
		t.Fatalf("after start: answered %d, error %q; want one answer, no error", c.sendsAnswered, c.sendErr)
	}
	var sent []string
	for _, l := range c.session.client.View().Lines {
		if l.Mine {
			sent = append(sent, l.Text)
		}
	}
	if len(sent) != 1 || sent[0] != "early words" {
		t.Errorf("the room's own lines: %q; want the held text once", sent)
	}
	c.sendHeld() // nothing is held any more
	if c.sendsAnswered != 1 {
		t.Errorf("a second sendHeld answered again (%d answers)", c.sendsAnswered)
	}
}
