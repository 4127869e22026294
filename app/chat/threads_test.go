package chat

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// People of these tests. mallory claims ada's cid in the private room (any
// member can), but cannot sign with ada's key.
var (
	ada     = author{cid: "ada-1"}
	bob     = author{cid: "bob-1"}
	adaKey  = author{cid: "ada-1", signer: "ada-key"}
	mallory = author{cid: "ada-1", signer: "mallory-key"}
	nickOf  = map[author]string{ada: "Ada", bob: "Bob", adaKey: "Ada", mallory: "Ada"}
)

// pub is one delivered publication: body as published by from, read back
// the way a plain room's client reads it.
func pub(from author, id string, ts int64, body messageData) storedMessage {
	data := encodeJSON(body)
	nick, text := decodeMessageData(data)
	return storedMessage{TS: ts, CID: from.cid, ID: id, Nick: nick, Text: text, Signer: from.signer, Ref: decodeRef(data)}
}

func say(from author, id string, ts int64, text string) storedMessage {
	return pub(from, id, ts, messageData{Nick: nickOf[from], Text: text})
}

func edit(from author, id string, ts int64, text string, target storedMessage) storedMessage {
	return pub(from, id, ts, editBody(nickOf[from], text, target))
}

func del(from author, id string, ts int64, target storedMessage) storedMessage {
	return pub(from, id, ts, deleteBody(nickOf[from], target))
}

func react(from author, id string, ts int64, emoji string, on bool, target storedMessage) storedMessage {
	return pub(from, id, ts, reactBody(nickOf[from], emoji, on, target))
}

func reply(from author, id string, ts int64, text string, target storedMessage) storedMessage {
	return pub(from, id, ts, replyBody(nickOf[from], text, target))
}

func resolveAfter(t *testing.T, me author, key string, msgs ...storedMessage) Resolved {
	t.Helper()
	th := newThreads()
	for _, m := range msgs {
		th.add(m)
	}
	res, ok := th.resolve(key, me)
	if !ok {
		t.Fatalf("%s is not a line", key)
	}
	return res
}

func TestThreads_EditsAndDeletes(t *testing.T) {
	orig := say(ada, "m1", 100, "lunch?")
	for _, tc := range []struct {
		name string
		msgs []storedMessage
		want Resolved
	}{
		{"untouched", []storedMessage{orig}, Resolved{Text: "lunch?"}},
		{"edited by its author", []storedMessage{orig, edit(ada, "e1", 200, "lunch at 1?", orig)},
			Resolved{Text: "lunch at 1?", Edited: true}},
		{"the latest edit wins", []storedMessage{orig, edit(ada, "e1", 200, "one", orig), edit(ada, "e2", 300, "two", orig)},
			Resolved{Text: "two", Edited: true}},
		{"the latest edit wins when it arrives first", []storedMessage{orig, edit(ada, "e2", 300, "two", orig), edit(ada, "e1", 200, "one", orig)},
			Resolved{Text: "two", Edited: true}},
		{"same millisecond: the later arrival wins", []storedMessage{orig, edit(ada, "e1", 200, "one", orig), edit(ada, "e2", 200, "two", orig)},
			Resolved{Text: "two", Edited: true}},
		{"edit from another cid ignored", []storedMessage{orig, edit(bob, "e1", 200, "forged", orig)},
			Resolved{Text: "lunch?"}},
		{"edit naming another target ignored", []storedMessage{orig, edit(ada, "e1", 200, "x", say(ada, "m2", 50, "other"))},
			Resolved{Text: "lunch?"}},
		{"an empty edit changes nothing", []storedMessage{orig, edit(ada, "e1", 200, "", orig)},
			Resolved{Text: "lunch?"}},
		{"deleted by its author", []storedMessage{orig, del(ada, "d1", 200, orig)},
			Resolved{Deleted: true}},
		{"delete from another cid ignored", []storedMessage{orig, del(bob, "d1", 200, orig)},
			Resolved{Text: "lunch?"}},
		{"edit after delete stays deleted", []storedMessage{orig, del(ada, "d1", 200, orig), edit(ada, "e1", 300, "back", orig)},
			Resolved{Deleted: true}},
		{"delete after edit", []storedMessage{orig, edit(ada, "e1", 200, "x", orig), del(ada, "d1", 300, orig)},
			Resolved{Deleted: true}},
		{"edit before its target", []storedMessage{edit(ada, "e1", 200, "early", orig), orig},
			Resolved{Text: "early", Edited: true}},
		{"delete before its target", []storedMessage{del(ada, "d1", 200, orig), orig},
			Resolved{Deleted: true}},
		{"forged delete before its target still ignored", []storedMessage{del(bob, "d1", 200, orig), orig},
			Resolved{Text: "lunch?"}},
		{"duplicate delivery", []storedMessage{orig, edit(ada, "e1", 200, "x", orig), orig, edit(ada, "e1", 200, "x", orig)},
			Resolved{Text: "x", Edited: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := resolveAfter(t, ada, orig.key(), tc.msgs...); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// In a private room the cid is anyone's to claim: the signer decides.
func TestThreads_PrivateRoomChecksTheSigner(t *testing.T) {
	orig := say(adaKey, "m1", 100, "lunch?")
	for _, tc := range []struct {
		name string
		msgs []storedMessage
		want Resolved
	}{
		{"edit signed by the author", []storedMessage{orig, edit(adaKey, "e1", 200, "new", orig)}, Resolved{Text: "new", Edited: true}},
		{"edit under the author's cid, another key", []storedMessage{orig, edit(mallory, "e1", 200, "forged", orig)}, Resolved{Text: "lunch?"}},
		{"delete under the author's cid, another key", []storedMessage{orig, del(mallory, "d1", 200, orig)}, Resolved{Text: "lunch?"}},
		{"forged delete first, then the target", []storedMessage{del(mallory, "d1", 50, orig), orig}, Resolved{Text: "lunch?"}},
		{"unsigned edit (plain room form)", []storedMessage{orig, edit(ada, "e1", 200, "x", orig)}, Resolved{Text: "lunch?"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := resolveAfter(t, bob, orig.key(), tc.msgs...); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestThreads_ReactionsToggleAndAggregate(t *testing.T) {
	orig := say(bob, "m1", 100, "lunch?")
	thumbs := func(n int, mine bool, nicks ...string) Reaction {
		return Reaction{Emoji: "👍", Count: n, Nicks: nicks, Mine: mine}
	}
	for _, tc := range []struct {
		name string
		msgs []storedMessage
		want []Reaction
	}{
		{"none", []storedMessage{orig}, nil},
		{"one", []storedMessage{orig, react(ada, "r1", 200, "👍", true, orig)}, []Reaction{thumbs(1, true, "Ada")}},
		{"toggled off", []storedMessage{orig, react(ada, "r1", 200, "👍", true, orig), react(ada, "r2", 300, "👍", false, orig)}, nil},
		{"toggled off and on", []storedMessage{orig, react(ada, "r1", 200, "👍", true, orig), react(ada, "r2", 300, "👍", false, orig),
			react(ada, "r3", 400, "👍", true, orig)}, []Reaction{thumbs(1, true, "Ada")}},
		{"off arriving before the on it takes back", []storedMessage{orig, react(ada, "r2", 300, "👍", false, orig),
			react(ada, "r1", 200, "👍", true, orig)}, nil},
		{"two people, first reactor first", []storedMessage{orig, react(bob, "r1", 200, "👍", true, orig),
			react(ada, "r2", 300, "👍", true, orig)}, []Reaction{thumbs(2, true, "Bob", "Ada")}},
		{"saying on twice counts once", []storedMessage{orig, react(ada, "r1", 200, "👍", true, orig),
			react(ada, "r2", 300, "👍", true, orig)}, []Reaction{thumbs(1, true, "Ada")}},
		{"duplicate delivery", []storedMessage{orig, react(ada, "r1", 200, "👍", true, orig),
			react(ada, "r1", 200, "👍", true, orig)}, []Reaction{thumbs(1, true, "Ada")}},
		{"emoji in the picker's order", []storedMessage{orig, react(bob, "r1", 200, "🎉", true, orig),
			react(bob, "r2", 300, "👍", true, orig)}, []Reaction{thumbs(1, false, "Bob"), {Emoji: "🎉", Count: 1, Nicks: []string{"Bob"}}}},
		{"before the target", []storedMessage{react(ada, "r1", 200, "👍", true, orig), orig}, []Reaction{thumbs(1, true, "Ada")}},
		{"hidden on a deleted message", []storedMessage{orig, react(ada, "r1", 200, "👍", true, orig), del(bob, "d1", 300, orig)}, nil},
		{"an emoji outside the set is text", []storedMessage{orig, pub(ada, "r1", 200, messageData{Text: "reacted 🦄",
			Ref: &refData{Kind: refReact, CID: orig.CID, ID: orig.ID, Emoji: "🦄"}})}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := resolveAfter(t, ada, orig.key(), tc.msgs...).Reactions; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// In a private room, who reacted is the signer: Mallory's reaction under
// Ada's cid is Mallory's, not Ada's, and cannot take Ada's back.
func TestThreads_PrivateReactionsAreTheSigners(t *testing.T) {
	orig := say(bob, "m1", 100, "lunch?")
	got := resolveAfter(t, adaKey, orig.key(), orig,
		react(adaKey, "r1", 200, "👍", true, orig), react(mallory, "r2", 300, "👍", false, orig)).Reactions
	want := []Reaction{{Emoji: "👍", Count: 1, Nicks: []string{"Ada"}, Mine: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestThreads_Replies(t *testing.T) {
	orig := say(ada, "m1", 100, "lunch?")
	re := reply(bob, "r1", 200, "yes!", orig)
	for _, tc := range []struct {
		name string
		msgs []storedMessage
		want Resolved
	}{
		{"quotes its target", []storedMessage{orig, re},
			Resolved{Text: "yes!", Reply: &Quote{Key: orig.key(), Nick: "Ada", Text: "lunch?"}}},
		{"quotes the edited text", []storedMessage{orig, re, edit(ada, "e1", 300, "lunch at 1?", orig)},
			Resolved{Text: "yes!", Reply: &Quote{Key: orig.key(), Nick: "Ada", Text: "lunch at 1?"}}},
		{"target deleted", []storedMessage{orig, re, del(ada, "d1", 300, orig)},
			Resolved{Text: "yes!", Reply: &Quote{Key: orig.key(), Nick: "Ada", Deleted: true}}},
		{"target older than the history", []storedMessage{re},
			Resolved{Text: "yes!", Reply: &Quote{Key: orig.key(), Text: "lunch?", Missing: true}}},
		{"target arrives later", []storedMessage{re, orig},
			Resolved{Text: "yes!", Reply: &Quote{Key: orig.key(), Nick: "Ada", Text: "lunch?"}}},
		{"the reply edited by its author", []storedMessage{orig, re, edit(bob, "e1", 300, "no", re)},
			Resolved{Text: "no", Edited: true, Reply: &Quote{Key: orig.key(), Nick: "Ada", Text: "lunch?"}}},
		{"the reply deleted by its author", []storedMessage{orig, re, del(bob, "d1", 300, re)},
			Resolved{Deleted: true, Reply: &Quote{Key: orig.key(), Nick: "Ada", Text: "lunch?"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := resolveAfter(t, ada, re.key(), tc.msgs...); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v %+v, want %+v %+v", got, got.Reply, tc.want, tc.want.Reply)
			}
		})
	}
}

func TestThreads_OnlyMessagesAndRepliesAreLines(t *testing.T) {
	orig := say(ada, "m1", 100, "lunch?")
	for _, tc := range []struct {
		m    storedMessage
		line bool
	}{
		{orig, true},
		{reply(bob, "r1", 200, "yes", orig), true},
		{edit(ada, "e1", 200, "x", orig), false},
		{del(ada, "d1", 200, orig), false},
		{react(bob, "x1", 200, "👍", true, orig), false},
		{pub(bob, "p1", 200, messageData{Text: "pinned", Ref: &refData{Kind: "pin", CID: "ada-1", ID: "m1"}}), true},
	} {
		if got := isLine(tc.m); got != tc.line {
			t.Errorf("isLine(%+v) = %v, want %v", tc.m, got, tc.line)
		}
		th := newThreads()
		th.add(tc.m)
		if _, ok := th.resolve(tc.m.key(), ada); ok != tc.line {
			t.Errorf("resolve(%s) ok = %v, want %v", tc.m.key(), ok, tc.line)
		}
	}
}

// Edits, deletes and reactions of the same messages give the same result
// in every order of arrival.
func TestThreads_AnyArrivalOrderResolvesAlike(t *testing.T) {
	orig := say(ada, "m1", 100, "lunch?")
	other := say(bob, "m2", 110, "dinner?")
	msgs := []storedMessage{
		orig, other,
		edit(ada, "e1", 200, "lunch at 1?", orig),
		edit(ada, "e2", 300, "lunch at 2?", orig),
		edit(bob, "e3", 400, "forged", orig),
		react(bob, "x1", 210, "👍", true, orig),
		react(bob, "x2", 310, "👍", false, orig),
		react(bob, "x3", 320, "😂", true, orig),
		react(ada, "x4", 330, "😂", true, orig),
		reply(bob, "r1", 340, "sure", orig),
		del(bob, "d1", 350, other),
	}
	want := map[string]Resolved{}
	th := newThreads()
	for _, m := range msgs {
		th.add(m)
	}
	for _, k := range []string{orig.key(), other.key(), messageKey("bob-1", "r1")} {
		want[k], _ = th.resolve(k, ada)
	}
	if want[orig.key()].Text != "lunch at 2?" || want[other.key()].Deleted != true || len(want[orig.key()].Reactions) != 1 {
		t.Fatalf("in order: %+v", want)
	}
	check := func(name string, order []storedMessage) {
		th := newThreads()
		for _, m := range order {
			th.add(m)
			th.add(m) // and every one delivered twice
		}
		for k, w := range want {
			if got, _ := th.resolve(k, ada); !reflect.DeepEqual(got, w) {
				t.Fatalf("%s: %s = %+v, want %+v", name, k, got, w)
			}
		}
	}
	n := 0
	permute(msgs, func(order []storedMessage) {
		n++
		check(fmt.Sprintf("permutation %d", n), order)
	}, 2000)
	// Heap's first permutations move only the first few: shuffle the rest.
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 1000 {
		order := slices.Clone(msgs)
		rnd.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		check(fmt.Sprintf("shuffle %d", i), order)
	}
}

// permute calls f with up to limit orders of msgs (Heap's algorithm).
func permute(msgs []storedMessage, f func([]storedMessage), limit int) {
	a := append([]storedMessage(nil), msgs...)
	c := make([]int, len(a))
	f(a)
	calls := 1
	for i := 0; i < len(a) && calls < limit; {
		if c[i] < i {
			if i%2 == 0 {
				a[0], a[i] = a[i], a[0]
			} else {
				a[c[i]], a[i] = a[i], a[c[i]]
			}
			f(a)
			calls++
			c[i]++
			i = 0
		} else {
			c[i] = 0
			i++
		}
	}
}

func TestThreads_ForgetDropsWhatLeftTheHistory(t *testing.T) {
	orig := say(ada, "m1", 100, "lunch?")
	e := edit(ada, "e1", 200, "x", orig)
	r := react(bob, "x1", 210, "👍", true, orig)
	d := del(ada, "d1", 300, orig)
	th := newThreads()
	for _, m := range []storedMessage{orig, e, r, d} {
		th.add(m)
	}
	th.forget(d)
	if got, _ := th.resolve(orig.key(), ada); got.Deleted || got.Text != "x" || len(got.Reactions) != 1 {
		t.Errorf("without the delete: %+v", got)
	}
	th.forget(e)
	th.forget(r)
	if len(th.refs) != 0 {
		t.Errorf("refs left after forgetting every reference: %v", th.refs)
	}
	th.forget(orig)
	if _, ok := th.resolve(orig.key(), ada); ok || len(th.added) != 0 || len(th.lines) != 0 {
		t.Errorf("state left after forgetting everything: %+v", th)
	}
	th.add(d) // forgotten messages may come back (another tab's history)
	th.add(orig)
	if got, _ := th.resolve(orig.key(), ada); !got.Deleted {
		t.Errorf("after adding back: %+v", got)
	}
}

func ExampleReaction() {
	th := newThreads()
	orig := say(bob, "m1", 100, "lunch?")
	th.add(orig)
	th.add(react(ada, "r1", 200, "👍", true, orig))
	th.add(react(bob, "r2", 300, "👍", true, orig))
	res, _ := th.resolve(orig.key(), ada)
	for _, r := range res.Reactions {
		fmt.Println(r.Emoji, r.Count, r.Nicks, r.Mine)
	}
	// Output: 👍 2 [Ada Bob] true
}
