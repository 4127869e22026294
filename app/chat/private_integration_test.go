//go:build !js

package chat

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// runPrivateClient runs a client of the private room p with its own store
// (its own signing key).
func runPrivateClient(t *testing.T, relayURL, cid, nick string, p PrivateRoom) *realClient {
	t.Helper()
	return runRealClientWith(t, Options{Relays: []string{relayURL}, CID: cid, Nick: nick, Store: NewMemoryStore(), Private: &p})
}

// rawClient is a plain WebSocket client of the relay that records every
// frame it receives: what an operator (or anyone who knows the room id)
// sees of a private room.
type rawClient struct {
	t    *testing.T
	conn *websocket.Conn

	mu     sync.Mutex
	frames []string
	msgs   []wire.Msg
	got    chan struct{} // capacity 1: a frame arrived
}

func dialRaw(t *testing.T, relayURL, room, cid string) *rawClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), integrationTimeout)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, dialURL(relayURL, room, dialID{"cid", cid}, 0, "", ""), nil)
	if err != nil {
		t.Fatalf("raw dial: %v", err)
	}
	r := &rawClient{t: t, conn: conn, got: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, frame, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			r.mu.Lock()
			r.frames = append(r.frames, string(frame))
			_ = wire.Split(frame, func(object []byte) error {
				var m wire.Msg
				if json.Unmarshal(object, &m) == nil && m.Type == wire.TypeMsg {
					r.msgs = append(r.msgs, m)
				}
				return nil
			})
			r.mu.Unlock()
			select {
			case r.got <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		conn.Close(websocket.StatusNormalClosure, "")
		<-done
	})
	return r
}

func (r *rawClient) send(frame any) {
	r.t.Helper()
	raw, _ := json.Marshal(frame)
	ctx, cancel := context.WithTimeout(context.Background(), integrationTimeout)
	defer cancel()
	if err := r.conn.Write(ctx, websocket.MessageText, raw); err != nil {
		r.t.Fatalf("raw write: %v", err)
	}
}

// waitMsgs waits until n msgs arrived and returns them.
func (r *rawClient) waitMsgs(n int) []wire.Msg {
	r.t.Helper()
	deadline := time.After(integrationTimeout)
	for {
		r.mu.Lock()
		msgs := slices.Clone(r.msgs)
		r.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-r.got:
		case <-deadline:
			r.t.Fatalf("raw client: %d msgs after %v, want %d", len(msgs), integrationTimeout, n)
		}
	}
}

func (r *rawClient) allFrames() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.frames, "\n")
}

func lineWith(v View, text string) (Line, bool) {
	i := slices.IndexFunc(v.Lines, func(l Line) bool { return l.Text == text })
	if i < 0 {
		return Line{}, false
	}
	return v.Lines[i], true
}

func memberNamed(v View, nick string) (Member, bool) {
	i := slices.IndexFunc(v.Members, func(m Member) bool { return m.Nick == nick })
	if i < 0 {
		return Member{}, false
	}
	return v.Members[i], true
}

// Ada and Bob share a private room's link and talk; a raw client joined to
// the derived room id sees only envelopes and random ids; Carol, with the
// same name and another key, is in another relay room and reads nothing.
func TestPrivateClient_TwoPeopleTalkTheRelaySeesOnlyEnvelopes(t *testing.T) {
	r := startRelay(t, "")
	room, _ := NewPrivateRoom("Secret garden")
	carolsRoom, _ := NewPrivateRoom("Secret garden")
	raw := dialRaw(t, r.url(), room.RoomID(), "operator")
	ada := runPrivateClient(t, r.url(), "ada-cid", "Ada Lovelace", room)
	bob := runPrivateClient(t, r.url(), "bob-cid", "Bob Builder", room)
	carol := runPrivateClient(t, r.url(), "carol-cid", "Carol", carolsRoom)

	v := waitReal(t, ada, "Ada sees Bob by his encrypted meta", func(v View) bool {
		_, ok := memberNamed(v, "Bob Builder")
		return v.State == StateOnline && ok
	})
	if v.Room != "Secret garden" || v.RoomID != room.RoomID() || !v.Private {
		t.Errorf("Ada's view names the room %q (id %q, private %v)", v.Room, v.RoomID, v.Private)
	}
	bobAsSeen, _ := memberNamed(v, "Bob Builder")
	if bobAsSeen.SafetyCode == "" || bobAsSeen.SafetyCode == v.SafetyCode {
		t.Errorf("Bob's safety code %q as Ada sees it (Ada's own %q)", bobAsSeen.SafetyCode, v.SafetyCode)
	}

	secret := "the key is under the third flowerpot"
	if err := ada.Send(secret); err != nil {
		t.Fatal(err)
	}
	waitReal(t, ada, "Ada's message delivered as hers", func(v View) bool {
		l, ok := lineWith(v, secret)
		return ok && l.Mine && l.Status == StatusDelivered
	})
	v = waitReal(t, bob, "Bob reads Ada", func(v View) bool { _, ok := lineWith(v, secret); return ok })
	if l, _ := lineWith(v, secret); l.Nick != "Ada Lovelace" || l.Mine {
		t.Errorf("Bob's line %+v", l)
	}
	if adaAsSeen, ok := memberNamed(v, "Ada Lovelace"); !ok || adaAsSeen.SafetyCode != ada.View().SafetyCode {
		t.Errorf("Bob sees Ada with safety code %q, Ada's own is %q", adaAsSeen.SafetyCode, ada.View().SafetyCode)
	}
	if err := bob.SetNick("Robert"); err != nil {
		t.Fatal(err)
	}
	waitReal(t, ada, "Ada sees Bob's new name", func(v View) bool { _, ok := memberNamed(v, "Robert"); return ok })

	msgs := raw.waitMsgs(1)
	frames := raw.allFrames()
	for _, leak := range []string{secret, "flowerpot", "Ada Lovelace", "Bob Builder", "Robert", "Secret garden", "garden"} {
		if strings.Contains(frames, leak) {
			t.Errorf("the relay's frames contain %q:\n%s", leak, frames)
		}
	}
	var envelope string
	if err := json.Unmarshal(msgs[0].Data, &envelope); err != nil || len(envelope) < 300 {
		t.Errorf("the msg's data %s is not an envelope string", msgs[0].Data)
	}

	// Carol, same name but another key: another relay room, nothing of Ada's.
	waitReal(t, carol, "Carol online", func(v View) bool { return v.State == StateOnline })
	if v := carol.View(); len(messageLines(v)) != 0 || len(v.Members) != 1 {
		t.Errorf("Carol sees %q and %d members", texts(v.Lines), len(v.Members))
	}
}

// Whatever the relay or someone holding the link injects, a reader shows
// one muted line and loses no following message: a ciphertext under another
// key, a replay of Ada's envelope under a new id, garbage, and a message
// claiming Ada's cid and nick signed with another key, which Ada never sees
// as her own.
func TestPrivateClient_InjectedMessagesShowAsFailuresNeverAsMine(t *testing.T) {
	r := startRelay(t, "")
	room, _ := NewPrivateRoom("Board")
	otherRoom, _ := NewPrivateRoom("Board")
	ada := runPrivateClient(t, r.url(), "ada-cid", "Ada", room)
	bob := runPrivateClient(t, r.url(), "bob-cid", "Bob", room)
	waitReal(t, bob, "Bob online", func(v View) bool { return v.State == StateOnline })
	if err := ada.Send("first"); err != nil {
		t.Fatal(err)
	}
	waitReal(t, bob, "Bob reads Ada", func(v View) bool { _, ok := lineWith(v, "first"); return ok })

	// Mallory joins with Ada's cid (the relay lets anyone claim any cid).
	mallory := dialRaw(t, r.url(), room.RoomID(), "ada-cid")
	adasEnvelope := mallory.waitMsgs(1)[0]
	wrongKey := newPrivatePayload(otherRoom, "ada-cid", LoadSigningKey(NewMemoryStore()))
	forger := newPrivatePayload(room, "ada-cid", LoadSigningKey(NewMemoryStore()))
	var fromOtherKey, forged wire.ClientFrame
	_ = json.Unmarshal(wrongKey.pubFrame("m-other-key", messageData{Nick: "Ada", Text: "bogus words"}), &fromOtherKey)
	_ = json.Unmarshal(forger.pubFrame("m-forged", messageData{Nick: "Ada", Text: "I, Ada, resign"}), &forged)
	mallory.send(fromOtherKey)
	mallory.send(wire.ClientFrame{Type: wire.TypePub, ID: "m-replayed", Data: adasEnvelope.Data})
	mallory.send(wire.ClientFrame{Type: wire.TypePub, ID: "m-garbage", Data: json.RawMessage(`"AQID"`)})
	mallory.send(wire.ClientFrame{Type: wire.TypePub, ID: "m-plain", Data: json.RawMessage(`{"nick":"Ada","text":"plaintext"}`)})
	mallory.send(forged)
	if err := bob.Send("still here"); err != nil {
		t.Fatal(err)
	}

	for _, c := range []*realClient{ada, bob} {
		v := waitReal(t, c, "the messages after the injections", func(v View) bool {
			_, after := lineWith(v, "still here")
			_, forged := lineWith(v, "I, Ada, resign")
			return after && forged
		})
		if v.Undecryptable != 4 || v.Unverified != 0 {
			t.Errorf("counted %d undecryptable and %d unverified, want 4 and 0: %q", v.Undecryptable, v.Unverified, texts(v.Lines))
		}
		if n := countLines(v, LineSystem, undecryptableText); n != 4 {
			t.Errorf("%d %q lines, want 4: %q", n, undecryptableText, texts(v.Lines))
		}
		for _, leak := range []string{"bogus words", "plaintext", "AQID"} {
			if slices.ContainsFunc(v.Lines, func(l Line) bool { return strings.Contains(l.Text, leak) }) {
				t.Errorf("an injected message shows its content %q: %q", leak, texts(v.Lines))
			}
		}
		if n := countMessages(v, "first"); n != 1 {
			t.Errorf("Ada's first message shows %d times (replayed?)", n)
		}
		forgedLine, ok := lineWith(v, "I, Ada, resign")
		if !ok || forgedLine.Mine {
			t.Errorf("the forged message is %+v (shown: %v), it must show and never as mine", forgedLine, ok)
		}
		if !hasLine(v, LineSystem, "Ada"+KeyChangedText) {
			t.Errorf("no %q line: %q", "Ada"+KeyChangedText, texts(v.Lines))
		}
	}
}

// The history of a private room survives a reload with its failures and
// marks, and a message of mine stays mine.
func TestPrivateClient_HistoryKeepsFlagsAcrossReload(t *testing.T) {
	room, _ := NewPrivateRoom("Diary")
	store := NewMemoryStore()
	key := LoadSigningKey(store)
	c := New(Options{CID: "ada-cid", Nick: "Ada", Store: store, Private: &room, SigningKey: &key})
	c.mu.Lock()
	pp := c.payload.(*privatePayload)
	var mine wire.ClientFrame
	_ = json.Unmarshal(pp.pubFrame("m1", messageData{Nick: "Ada", Text: "note to self"}), &mine)
	for _, f := range []wire.ServerFrame{
		{Type: wire.TypeMsg, Seq: 1, CID: "ada-cid", ID: "m1", Data: mine.Data},
		{Type: wire.TypeMsg, Seq: 2, CID: "eve", ID: "m2", Data: json.RawMessage(`"AQID"`)},
	} {
		c.handleMsgLocked(&f, pp.openMessage(f.CID, f.ID, f.Data))
	}
	_ = c.persistHistoryLocked()
	c.mu.Unlock()

	reloaded := New(Options{CID: "ada-cid", Nick: "Ada", Store: store, Private: &room})
	v := reloaded.View()
	if l, ok := lineWith(v, "note to self"); !ok || !l.Mine {
		t.Errorf("after reload my message is %+v (shown: %v)", l, ok)
	}
	if v.Undecryptable != 1 || !hasLine(v, LineSystem, undecryptableText) {
		t.Errorf("after reload: %d undecryptable, lines %q", v.Undecryptable, texts(v.Lines))
	}
}

// Someone present as "Ada" with another key than Ada's messages is marked
// in the presence list, as a message of theirs would be in the timeline;
// Ada herself is not.
func TestPrivateClient_PresenceMarksANickWithAnotherKey(t *testing.T) {
	room, _ := NewPrivateRoom("Board")
	ada := newPrivatePayload(room, "ada-cid", LoadSigningKey(NewMemoryStore()))
	impostor := newPrivatePayload(room, "eve-cid", LoadSigningKey(NewMemoryStore()))
	c := New(Options{CID: "reader", Nick: "Reader", Store: NewMemoryStore(), Private: &room})
	var adaMeta, impostorMeta, adaPub wire.ClientFrame
	_ = json.Unmarshal(ada.metaFrame("Ada"), &adaMeta)
	_ = json.Unmarshal(impostor.metaFrame("Ada"), &impostorMeta)
	_ = json.Unmarshal(ada.pubFrame("m1", messageData{Nick: "Ada", Text: "hello"}), &adaPub)
	var frame []byte
	for _, f := range []any{
		wire.ServerFrame{Type: wire.TypeWelcome, Conn: "c-reader", Peers: []wire.Peer{
			{Conn: "c-reader", CID: "reader"}, {Conn: "c-ada", CID: "ada-cid", Meta: adaMeta.Data},
		}},
		wire.Msg{Type: wire.TypeMsg, Seq: 1, TS: 1, Conn: "c-ada", CID: "ada-cid", ID: "m1", Data: adaPub.Data},
		wire.ServerFrame{Type: wire.TypeJoin, Peer: &wire.Peer{Conn: "c-eve", CID: "eve-cid", Meta: impostorMeta.Data}},
	} {
		frame = append(append(frame, encodeJSON(f)...), '\n')
	}
	c.handleFrame(&session{}, frame)

	v := c.View()
	marked := map[string]bool{}
	for _, m := range v.Members {
		if m.Nick == "Ada" {
			marked[m.Conn] = m.KeyChanged
		}
	}
	if want := map[string]bool{"c-ada": false, "c-eve": true}; !maps.Equal(marked, want) {
		t.Errorf("members named Ada marked %v, want %v (members %+v)", marked, want, v.Members)
	}
}
