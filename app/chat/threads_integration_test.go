//go:build !js

package chat

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

// lineByKey is the message line of v with key; ok is false when there is none.
func lineByKey(v View, key string) (Line, bool) {
	i := slices.IndexFunc(v.Lines, func(l Line) bool { return l.Kind == LineMessage && l.Key == key })
	if i < 0 {
		return Line{}, false
	}
	return v.Lines[i], true
}

func keyOf(t *testing.T, v View, text string) string {
	t.Helper()
	i := slices.IndexFunc(v.Lines, func(l Line) bool { return l.Kind == LineMessage && l.Text == text })
	if i < 0 {
		t.Fatalf("no line %q in %q", text, texts(v.Lines))
	}
	return v.Lines[i].Key
}

// Through a real relay: Bob replies, reacts, and Alice edits and deletes;
// each reader sees each, a forged edit changes nothing, and a reload keeps
// all of it.
func TestThreadsIntegration_ReplyReactEditDelete(t *testing.T) {
	r := startRelay(t, "")
	aliceStore, bobStore := NewMemoryStore(), NewMemoryStore()
	opts := func(cid, nick string, store Store) Options {
		return Options{Relays: []string{r.url()}, Room: "it-room", CID: cid, Nick: nick, Transport: NewWebSocketTransport(), Store: store}
	}
	alice := runRealClientWith(t, opts("alice-cid", "alice", aliceStore))
	bob := runRealClientWith(t, opts("bob-cid", "bob", bobStore))
	online := func(v View) bool { return v.State == StateOnline }
	waitReal(t, alice, "alice online", online)
	waitReal(t, bob, "bob online", online)

	if err := alice.Send("lunch?"); err != nil {
		t.Fatal(err)
	}
	v := waitReal(t, bob, "bob sees lunch?", func(v View) bool { return countMessages(v, "lunch?") == 1 })
	lunch := keyOf(t, v, "lunch?")

	// A reply: a line of its own, quoting its target.
	if err := bob.Reply(lunch, "yes!"); err != nil {
		t.Fatal(err)
	}
	v = waitReal(t, alice, "alice sees the reply", func(v View) bool { return countMessages(v, "yes!") == 1 })
	re, _ := lineByKey(v, keyOf(t, v, "yes!"))
	if want := (&Quote{Key: lunch, Nick: "alice", Text: "lunch?"}); !reflect.DeepEqual(re.Reply, want) {
		t.Errorf("reply's quote = %+v, want %+v", re.Reply, want)
	}

	// A reaction, toggled on and off; never a line.
	if err := bob.React(lunch, "👍"); err != nil {
		t.Fatal(err)
	}
	reacted := func(mine bool) func(View) bool {
		return func(v View) bool {
			l, ok := lineByKey(v, lunch)
			return ok && reflect.DeepEqual(l.Reactions, []Reaction{{Emoji: "👍", Count: 1, Nicks: []string{"bob"}, Mine: mine}})
		}
	}
	waitReal(t, alice, "alice sees bob's 👍", reacted(false))
	waitReal(t, bob, "bob sees his 👍", reacted(true))
	if err := bob.React(lunch, "👍"); err != nil {
		t.Fatal(err)
	}
	noReactions := func(v View) bool { l, ok := lineByKey(v, lunch); return ok && l.Reactions == nil }
	waitReal(t, alice, "alice sees the 👍 taken back", noReactions)
	if err := bob.React(lunch, "🦄"); !errors.Is(err, ErrNoReaction) {
		t.Errorf("React 🦄 = %v, want ErrNoReaction", err)
	}

	// Only the author edits.
	if err := bob.Edit(lunch, "forged"); !errors.Is(err, ErrNotYours) {
		t.Errorf("bob's Edit = %v, want ErrNotYours", err)
	}
	if err := alice.Edit(lunch, "lunch at 1?"); err != nil {
		t.Fatal(err)
	}
	edited := func(v View) bool { l, ok := lineByKey(v, lunch); return ok && l.Edited && l.Text == "lunch at 1?" }
	waitReal(t, bob, "bob sees the edit", edited)

	// A forged edit under another cid: published, delivered, ignored.
	mallory := runRealClientWith(t, opts("mallory-cid", "mallory", NewMemoryStore()))
	waitReal(t, mallory, "mallory online", online)
	mallory.mu.Lock()
	if err := mallory.queueUnlock("forged", &refData{Kind: refEdit, CID: "alice-cid", ID: lunch[len("alice-cid/"):]}); err != nil {
		t.Fatal(err)
	}
	if err := mallory.Send("after the forgery"); err != nil {
		t.Fatal(err)
	}
	v = waitReal(t, bob, "bob sees mallory's next message", func(v View) bool { return countMessages(v, "after the forgery") == 1 })
	if !edited(v) || countMessages(v, "forged") != 0 {
		t.Errorf("the forged edit shows: %q", texts(v.Lines))
	}

	// Deleted: "message deleted" everywhere, and final.
	if err := alice.DeleteMessage(lunch); err != nil {
		t.Fatal(err)
	}
	deleted := func(v View) bool { l, ok := lineByKey(v, lunch); return ok && l.Deleted && l.Text == "" }
	waitReal(t, bob, "bob sees the delete", deleted)
	v = waitReal(t, alice, "alice sees the delete", deleted)
	if err := alice.Edit(lunch, "back"); !errors.Is(err, ErrNoMessage) {
		t.Errorf("Edit after delete = %v, want ErrNoMessage", err)
	}
	if l, _ := lineByKey(v, keyOf(t, v, "yes!")); l.Reply == nil || !l.Reply.Deleted {
		t.Errorf("the reply's quote after the delete: %+v", l.Reply)
	}
	for _, text := range []string{"deleted a message", "reacted 👍", "took back 👍", "lunch at 1?"} {
		if countMessages(v, text) != 0 {
			t.Errorf("a reference shows as a line %q: %q", text, texts(v.Lines))
		}
	}

	// A reload (a new Client on the same store) resolves it all again.
	bob.cancel()
	select {
	case <-bob.done:
	case <-time.After(integrationTimeout):
		t.Fatal("bob's Run did not return")
	}
	bob.Flush()
	again := New(opts("bob-cid", "bob", bobStore)).View()
	if !deleted(again) || countMessages(again, "yes!") != 1 || countMessages(again, "forged") != 0 {
		t.Errorf("after a reload: %q", texts(again.Lines))
	}
}
