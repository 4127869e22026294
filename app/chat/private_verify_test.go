package chat

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// verifyRoom is a reader's private room fed with relay frames by hand, on
// a manual clock: the signatures checked after a frame is shown wait for
// clock.Advance.
type verifyRoom struct {
	t      *testing.T
	room   PrivateRoom
	store  Store
	clock  *manualClock
	c      *Client
	reader *privatePayload // signs as the reader, with the reader's key
	seq    uint64
	msgs   []wire.Msg
}

func newVerifyRoom(t *testing.T) *verifyRoom {
	t.Helper()
	room := vectorRoom(t)
	store := NewMemoryStore()
	key := LoadSigningKey(store)
	clock := newManualClock()
	c := New(Options{CID: "reader", Nick: "Reader", Store: store, Clock: clock, Private: &room, SigningKey: &key})
	return &verifyRoom{t: t, room: room, store: store, clock: clock, c: c, reader: newPrivatePayload(room, "reader", key)}
}

// add appends to the next frame the msg that pp writes, or data instead
// when it is set.
func (r *verifyRoom) add(pp *privatePayload, id string, body messageData, data json.RawMessage) {
	r.t.Helper()
	if data == nil {
		var pub wire.ClientFrame
		if err := json.Unmarshal(pp.pubFrame(id, body), &pub); err != nil {
			r.t.Fatal(err)
		}
		data = pub.Data
	}
	r.seq++
	r.msgs = append(r.msgs, wire.Msg{Type: wire.TypeMsg, Seq: r.seq, TS: int64(r.seq), Conn: "c-" + pp.cid, CID: pp.cid, ID: id, Data: data})
}

// fill adds n messages by pp, enough to push older ones out of the lines
// verified before the frame is shown.
func (r *verifyRoom) fill(pp *privatePayload, n int) {
	for i := range n {
		id := "fill-" + strconv.Itoa(int(r.seq)) + "-" + strconv.Itoa(i)
		r.add(pp, id, messageData{Nick: "Bob", Text: "filler " + id}, nil)
	}
}

// deliver hands the frame to the client, as one relay frame.
func (r *verifyRoom) deliver() {
	var frame []byte
	for _, m := range r.msgs {
		frame = append(append(frame, encodeJSON(m)...), '\n')
	}
	r.msgs = nil
	r.c.handleFrame(&session{}, frame)
}

func (r *verifyRoom) stored() storedHistory { return loadHistory(r.store, r.room.RoomID()) }

// badlySigned is a msg's data that decrypts, claims signer's key, and
// carries a signature by someone else.
func badlySigned(t *testing.T, room PrivateRoom, cid, id string, body messageData, signer, forger *privatePayload) json.RawMessage {
	t.Helper()
	b := binding{kind: kindMessage, room: room.RoomID(), cid: cid, id: id}
	raw := encodeJSON(body)
	sig, err := forger.key.sign(b, raw)
	if err != nil {
		t.Fatal(err)
	}
	envelope, err := signer.sealer.seal(b, encodeJSON(signedPlaintext{Body: raw, PK: signer.key.PublicKey(), Sig: base64.RawURLEncoding.EncodeToString(sig)}))
	if err != nil {
		t.Fatal(err)
	}
	return dataOf(envelope)
}

// shownLine is the line whose text is text.
func shownLine(v View, text string) (Line, bool) {
	i := slices.IndexFunc(v.Lines, func(l Line) bool { return l.Text == text })
	if i < 0 {
		return Line{}, false
	}
	return v.Lines[i], true
}

func anyLineWith(v View, text string) bool {
	return slices.ContainsFunc(v.Lines, func(l Line) bool { return strings.Contains(l.Text, text) })
}

// A history's older messages show as "verifying" until their signatures
// are checked: never their text, never as mine, never to reply to, never
// stored. Then each shows as what it is: mine, someone else's under my
// cid, or one muted unverified line.
func TestPrivateClient_OlderMessagesShowVerifyingUntilChecked(t *testing.T) {
	r := newVerifyRoom(t)
	bob := newPrivatePayload(r.room, "bob", LoadSigningKey(NewMemoryStore()))
	mallory := newPrivatePayload(r.room, "reader", LoadSigningKey(NewMemoryStore())) // claims my cid
	r.add(r.reader, "m-mine", messageData{Nick: "Reader", Text: "my old note"}, nil)
	r.add(bob, "m-tampered", messageData{}, badlySigned(t, r.room, "bob", "m-tampered", messageData{Nick: "Bob", Text: "pay Mallory"}, bob, mallory))
	r.add(mallory, "m-forged", messageData{Nick: "Reader", Text: "I am you"}, nil)
	r.fill(bob, verifyFirst)
	r.deliver()

	v := r.c.View()
	if n := countLines(v, LineSystem, verifyingText); n != 3 {
		t.Errorf("%d lines %q, want 3: %q", n, verifyingText, texts(v.Lines))
	}
	for _, text := range []string{"my old note", "pay Mallory", "I am you"} {
		if anyLineWith(v, text) {
			t.Errorf("%q shows before its signature is checked: %q", text, texts(v.Lines))
		}
	}
	if slices.ContainsFunc(v.Lines, func(l Line) bool { return l.Mine }) {
		t.Errorf("a line shows as mine before any of mine is verified: %q", texts(v.Lines))
	}
	for _, l := range v.Lines[len(v.Lines)-verifyFirst:] {
		if l.Kind != LineMessage {
			t.Errorf("a line the room opens on is not a verified message: %+v", l)
		}
	}
	if v.Unverified != 0 {
		t.Errorf("%d unverified before any verdict", v.Unverified)
	}
	if err := r.c.Reply(messageKey("reader", "m-mine"), "re"); err != ErrNoMessage {
		t.Errorf("replying to a message still verifying: %v, want ErrNoMessage", err)
	}
	if _, ok := r.store.Get(historyKey(r.room.RoomID())); ok {
		t.Errorf("history stored while messages are verifying: %+v", r.stored().Messages[:3])
	}

	r.clock.Advance(0)
	v = r.c.View()
	if anyLineWith(v, verifyingText) {
		t.Errorf("still verifying after every chunk ran: %q", texts(v.Lines))
	}
	if l, ok := shownLine(v, "my old note"); !ok || !l.Mine {
		t.Errorf("my message is %+v (shown: %v), want mine", l, ok)
	}
	if l, ok := shownLine(v, "I am you"); !ok || l.Mine {
		t.Errorf("Mallory's message under my cid is %+v (shown: %v), want shown and not mine", l, ok)
	}
	if !hasLine(v, LineSystem, "Reader"+KeyChangedText) {
		t.Errorf("no %q line before Mallory's message: %q", "Reader"+KeyChangedText, texts(v.Lines))
	}
	if anyLineWith(v, "pay Mallory") || v.Unverified != 1 || countLines(v, LineSystem, unverifiedText) != 1 {
		t.Errorf("the badly signed message: %d unverified, lines %q", v.Unverified, texts(v.Lines))
	}
	stored := r.stored().Messages
	if len(stored) != 3+verifyFirst || slices.ContainsFunc(stored, func(m storedMessage) bool { return m.Flag == flagVerifying }) {
		t.Fatalf("stored after the verdicts: %d messages, %+v", len(stored), stored[:3])
	}
	if stored[0].Signer != r.reader.key.PublicKey() || stored[1].Flag != failUnverified || stored[2].Signer != mallory.key.PublicKey() {
		t.Errorf("stored verdicts: %+v", stored[:3])
	}
}

// The echo of a message in my outbox is verified at once, wherever it is in
// the frame: whether it was delivered depends on it.
func TestPrivateClient_EchoOfMyQueuedMessageIsVerifiedAtOnce(t *testing.T) {
	r := newVerifyRoom(t)
	if err := r.c.Send("queued before the replay"); err != nil {
		t.Fatal(err)
	}
	e := r.c.outbox[0]
	r.add(r.reader, e.ID, e.body(), nil)
	r.fill(newPrivatePayload(r.room, "bob", LoadSigningKey(NewMemoryStore())), verifyFirst)
	r.deliver()

	v := r.c.View()
	l, ok := shownLine(v, "queued before the replay")
	if !ok || !l.Mine || l.Status != StatusDelivered || countLines(v, LineMessage, "queued before the replay") != 1 {
		t.Errorf("my echo is %+v (shown: %v), want one delivered line of mine: %q", l, ok, texts(v.Lines))
	}
	if len(r.c.outbox) != 0 {
		t.Errorf("outbox still holds %d", len(r.c.outbox))
	}
}

// Flush (the page going away) writes verdicts only: what is still
// verifying is verified first.
func TestPrivateClient_FlushVerifiesBeforeStoring(t *testing.T) {
	r := newVerifyRoom(t)
	bob := newPrivatePayload(r.room, "bob", LoadSigningKey(NewMemoryStore()))
	mallory := newPrivatePayload(r.room, "mallory", LoadSigningKey(NewMemoryStore()))
	r.add(bob, "m-good", messageData{Nick: "Bob", Text: "good"}, nil)
	r.add(bob, "m-bad", messageData{}, badlySigned(t, r.room, "bob", "m-bad", messageData{Nick: "Bob", Text: "bad"}, bob, mallory))
	r.fill(bob, verifyFirst)
	r.deliver()
	if err := r.c.Flush(); err != nil {
		t.Fatal(err)
	}
	stored := r.stored().Messages
	if len(stored) != 2+verifyFirst {
		t.Fatalf("%d stored", len(stored))
	}
	if stored[0].Text != "good" || stored[0].Signer != bob.key.PublicKey() || stored[0].Flag != "" || stored[1].Flag != failUnverified || stored[1].Text != "" {
		t.Errorf("stored %+v", stored[:2])
	}
	reloaded := New(Options{CID: "reader", Nick: "Reader", Store: r.store, Private: &r.room})
	if v := reloaded.View(); v.Unverified != 1 || anyLineWith(v, verifyingText) || !hasLine(v, LineMessage, "good") {
		t.Errorf("after reload: %d unverified, %q", v.Unverified, texts(v.Lines))
	}
}

// "Key changed" while older signatures are still checked: a change is
// warned at once even when the earlier message is still verifying, a
// warning that only a badly signed message caused goes once that one is
// unverified, and in the end the warnings are those of checking in order.
func TestPrivateClient_KeyChangesWhileOlderMessagesVerify(t *testing.T) {
	room := vectorRoom(t)
	ada := newPrivatePayload(room, "ada", LoadSigningKey(NewMemoryStore()))
	adaElsewhere := newPrivatePayload(room, "ada-2", LoadSigningKey(NewMemoryStore())) // another key, the same nick
	bob := newPrivatePayload(room, "bob", LoadSigningKey(NewMemoryStore()))
	warning := "Ada" + KeyChangedText
	for _, tc := range []struct {
		name                string
		forged, newKey      bool
		warnedFirst, warned int
	}{
		{name: "same key", warnedFirst: 0, warned: 0},
		{name: "new key", newKey: true, warnedFirst: 1, warned: 1},
		{name: "a badly signed message claims another key", forged: true, warnedFirst: 1, warned: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newVerifyRoom(t)
			r.add(ada, "m-old", messageData{Nick: "Ada", Text: "old"}, nil)
			if tc.forged {
				r.add(ada, "m-forged", messageData{}, badlySigned(t, room, "ada", "m-forged", messageData{Nick: "Ada", Text: "forged"}, adaElsewhere, ada))
			}
			r.fill(bob, verifyFirst-1)
			latest := ada
			if tc.newKey {
				latest = adaElsewhere
			}
			r.add(latest, "m-new", messageData{Nick: "Ada", Text: "new"}, nil)
			r.deliver()

			v := r.c.View()
			if !anyLineWith(v, verifyingText) {
				t.Fatalf("nothing is verifying: %q", texts(v.Lines))
			}
			if n := countLines(v, LineSystem, warning); n != tc.warnedFirst {
				t.Errorf("while verifying: %d warnings, want %d: %q", n, tc.warnedFirst, texts(v.Lines))
			}
			r.clock.Advance(0)
			v = r.c.View()
			if n := countLines(v, LineSystem, warning); n != tc.warned {
				t.Errorf("after every verdict: %d warnings, want %d: %q", n, tc.warned, texts(v.Lines))
			}
			if tc.warned == 1 {
				i := slices.IndexFunc(v.Lines, func(l Line) bool { return l.Text == warning })
				if i+1 >= len(v.Lines) || v.Lines[i+1].Text != "new" {
					t.Errorf("the warning is not right before the new key's message: %q", texts(v.Lines))
				}
			}
		})
	}
}

// A verdict is remembered with the message it was reached for: a replay
// of a stored message whose envelope changed (another text, another
// signer, a broken signature) under the same cid and id takes nothing
// from the stored verdict and changes nothing shown.
func TestPrivateClient_ChangedEnvelopeNeverReusesAVerdict(t *testing.T) {
	r := newVerifyRoom(t)
	ada := newPrivatePayload(r.room, "ada", LoadSigningKey(NewMemoryStore()))
	mallory := newPrivatePayload(r.room, "ada", LoadSigningKey(NewMemoryStore()))
	r.add(ada, "m1", messageData{Nick: "Ada", Text: "the original"}, nil)
	r.deliver()
	if err := r.c.Flush(); err != nil {
		t.Fatal(err)
	}
	reloaded := New(Options{CID: "reader", Nick: "Reader", Store: r.store, Clock: r.clock, Private: &r.room})
	r.c = reloaded
	r.add(mallory, "m1", messageData{Nick: "Ada", Text: "changed text"}, nil)
	r.add(ada, "m1", messageData{}, badlySigned(t, r.room, "ada", "m1", messageData{Nick: "Ada", Text: "changed again"}, ada, mallory))
	r.fill(ada, verifyFirst) // the replays are among the messages verified later
	r.deliver()
	r.clock.Advance(0)
	v := reloaded.View()
	if anyLineWith(v, "changed") || countLines(v, LineMessage, "the original") != 1 || v.Unverified != 0 || hasLine(v, LineSystem, "Ada"+KeyChangedText) {
		t.Errorf("after replays with changed envelopes: %d unverified, %q", v.Unverified, texts(v.Lines))
	}
}
