//go:build !js

package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"github.com/chatpwa/chat/app/chat"
	"github.com/chatpwa/chat/relay/wire"
)

// Scenario: a private room. Alice creates one and invites Bob with its link;
// they chat, rename and see each other's names. Carol opens a link with the
// same name and another key: she reads nothing of theirs. In the browser's
// own record of every WebSocket frame sent and received (CDP
// Network.webSocketFrame*), no frame carries a text, a nickname or the
// room's name, and a raw WebSocket client joined to the derived room id
// receives only envelopes. Alice forgets the room: its key leaves her browser.
func TestPrivateRoom_OnlyTheLinkReads(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	alice, bob, carol := newPerson(t, "Alice"), newPerson(t, "Bob"), newPerson(t, "Carol")
	aliceFrames, bobFrames := recordWebSocketFrames(alice), recordWebSocketFrames(bob)

	const (
		roomName  = "Moonlit Orchard"
		aliceNick = "Alice Quartz"
		bobNick   = "Bob Zephyr"
		bobRename = "Bobby Zephyr"
		hello     = "Meet at the old mill at nine"
		reply     = "Bring the lantern please"
	)

	// Alice starts in a plain room (with a random nickname) and creates the
	// private room there.
	alice.open(roomURL(relay.URL(), "e2e-before-private", ""))
	alice.waitOnline()
	alice.do("name the new private room", chromedp.Focus(chromedp.CSS("#private-name")),
		chromedp.SendKeys(chromedp.CSS("#private-name"), roomName),
		chromedp.Click(chromedp.CSS("#private-create")))
	alice.poll("the private room to open with its lock", waitTimeout,
		`() => !!document.querySelector('#room-lock') && location.hash.includes('key=')`)
	alice.waitOnline()
	alice.waitText(waitTimeout, "#room-name", roomName)
	alice.checkContrast("a private room")
	alice.setNick(aliceNick)
	// "Copy invite link" puts the link shown in the panel on the clipboard,
	// with the key in its fragment only: nothing before '#' reaches a server.
	var shown string
	alice.eval(`document.querySelector('#invite-link').value`, &shown)
	invite := copyInviteLink(alice, relay.URL())
	if invite != shown {
		t.Errorf("copied %q, the panel shows %q", invite, shown)
	}
	link, err := url.Parse(invite)
	if err != nil || link.RawQuery != "" || link.Path != "/" || link.Scheme+"://"+link.Host != relay.URL() {
		t.Fatalf("the invite link %q is not the site with a fragment only: %v", invite, err)
	}
	room, ok, err := chat.ParseInvite(link.EscapedFragment())
	if !ok || err != nil || room.Name != roomName || strings.Contains(invite[:strings.Index(invite, "#")], room.EncodedKey()) {
		t.Fatalf("the invite link %q does not carry %q and its key in the fragment: %v", invite, roomName, err)
	}

	// A raw client of the relay, joined to the derived room id.
	raw := dialRawRoom(t, relay.addr, room.RoomID())

	bob.open(invite)
	bob.waitOnline()
	bob.setNick(bobNick)
	alice.waitPresence(waitTimeout, bobNick)
	bob.waitPresence(waitTimeout, aliceNick)

	alice.sendWithEnter(hello)
	bob.waitMessages(waitTimeout, []string{hello})
	if got, _ := find(bob.Messages(), hello); got.Nick != aliceNick || got.Mine != "false" {
		t.Errorf("Bob sees Alice's message as %+v", got)
	}
	bob.send(reply)
	alice.waitMessages(waitTimeout, []string{hello, reply})
	alice.waitMessages(waitTimeout, []string{hello}, "delivered")
	bob.setNick(bobRename)
	alice.waitPresence(waitTimeout, bobRename)

	// Safety codes: Bob's as Alice sees it is Bob's own.
	var bobsCode, bobAsSeen string
	bob.eval(`document.querySelector('#my-safety-code').textContent`, &bobsCode)
	alice.eval(`(() => { const li = Array.from(document.querySelectorAll('#keys li')).find(li => li.textContent.includes('Bobby')); return li ? li.textContent.split(' · ')[1] : ''; })()`, &bobAsSeen)
	if bobsCode == "" || bobAsSeen != bobsCode {
		t.Errorf("Alice sees Bob's safety code %q, Bob's own is %q", bobAsSeen, bobsCode)
	}

	// Carol first gets a damaged link: she is told, and is not put into the
	// plain room of the same name, where she would talk in the clear.
	carol.open(relay.URL() + "/#room=orchard&key=tooShort")
	carol.waitText(waitTimeout, "#notice", "damaged")
	carol.waitOnline()
	var carolsRoomName string
	carol.eval(`document.querySelector('#room-name').textContent`, &carolsRoomName)
	if carolsRoomName == "orchard" {
		t.Errorf("a damaged private link opened the plain room %q", carolsRoomName)
	}

	// Carol: the same name, another key.
	carolsRoom, _ := chat.NewPrivateRoom(roomName)
	carol.open(relay.URL() + "/" + carolsRoom.Fragment())
	carol.waitOnline()
	carol.send("Is this the orchard?")
	carol.waitMessages(waitTimeout, []string{"Is this the orchard?"}, "delivered")
	for _, m := range carol.Messages() {
		if m.Text != "Is this the orchard?" {
			t.Errorf("Carol, with another key, reads %q from %q", m.Text, m.Nick)
		}
	}
	carol.never("Alice's or Bob's names in Carol's presence list", 2*time.Second,
		`() => document.querySelector('#presence').textContent.includes('Zephyr') || document.querySelector('#presence').textContent.includes('Quartz')`)
	alice.never("Carol's message in Alice's room", 2*time.Second,
		`() => document.querySelector('#messages').textContent.includes('orchard?')`)

	// What crossed the wire. Alice's page keeps her plain room live on the
	// same WebSocket (every recent room is), and her nickname is hers in
	// every room: it goes to the plain room in the clear, as it would when
	// she next opened it. Everything of the private room, and everything
	// else of hers, never shows.
	secrets := []string{hello, "old mill", reply, "lantern", aliceNick, bobNick, bobRename, "Zephyr", "Quartz", roomName, "Moonlit", "Orchard"}
	for _, rec := range []struct {
		*frameRecord
		firstRoom string
		public    []string // what this page may send to its other rooms
	}{
		{aliceFrames, "e2e-before-private", []string{aliceNick, "Quartz"}},
		{bobFrames, room.RoomID(), nil},
	} {
		frames := rec.all()
		if rec.count("sent") == 0 || rec.count("received") == 0 || !strings.Contains(frames, `"type":"msg"`) {
			t.Fatalf("%s's browser recorded %d frames sent and %d received, no msg among them: the record is empty", rec.name, rec.count("sent"), rec.count("received"))
		}
		private, others := rec.byRoom(rec.firstRoom, room.RoomID())
		if !strings.Contains(private, `"type":"welcome"`) {
			t.Errorf("%s's record has no welcome of the private room", rec.name)
		}
		for _, secret := range secrets {
			if strings.Contains(private, secret) {
				t.Errorf("a WebSocket frame of %s's browser for the private room contains %q", rec.name, secret)
			}
			if strings.Contains(others, secret) && !slices.Contains(rec.public, secret) {
				t.Errorf("a WebSocket frame of %s's browser for another room contains %q", rec.name, secret)
			}
		}
	}
	msgs := raw.waitMsgs(t, 2)
	seen := raw.all()
	for _, secret := range secrets {
		if strings.Contains(seen, secret) {
			t.Errorf("the raw client of room %s received %q", room.RoomID(), secret)
		}
	}
	for _, m := range msgs {
		var envelope string
		if err := json.Unmarshal(m.Data, &envelope); err != nil || len(envelope) < 300 {
			t.Errorf("the raw client received data %s, not an envelope", m.Data)
		}
	}

	// Alice forgets the room: the key leaves her browser, the list drops it.
	alice.eval(`window.confirm = () => true`, nil) // the page asks before leaving
	alice.do("forget the room", chromedp.Click(chromedp.CSS("#forget-room")))
	alice.poll("Alice to leave the forgotten room", waitTimeout,
		`() => !location.hash.includes('key=') && !document.querySelector('#room-lock')`)
	alice.poll("the recent rooms to drop it", waitTimeout,
		`(name) => !document.querySelector('#recent-rooms').textContent.includes(name)`, roomName)
	// Both stores: localStorage (keys, prefs) and IndexedDB (history, outbox).
	local, durable := alice.storedValues()
	for _, values := range []map[string]string{local, durable} {
		for k, v := range values {
			if strings.Contains(v, room.EncodedKey()) || strings.Contains(k, room.RoomID()) {
				t.Errorf("Alice's storage still holds the forgotten room's key or history: %s", k)
			}
		}
	}
}

// copyInviteLink clicks "Copy invite link" and returns what reached p's
// clipboard, which the page may read once permitted.
func copyInviteLink(p *person, origin string) string {
	p.t.Helper()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(p.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: origin,
		}); err != nil {
			p.t.Fatalf("%s: grant %s: %v", p.name, name, err)
		}
	}
	// A headless page is never focused, and the clipboard serves only a
	// focused document.
	if _, err := chromedp.Call(p.ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		p.t.Fatalf("%s: emulate focus: %v", p.name, err)
	}
	p.do("copy the invite link", chromedp.Click(chromedp.CSS("#copy-invite")))
	p.waitText(waitTimeout, "#copy-invite", "Copied")
	var copied string
	p.eval(`navigator.clipboard.readText()`, &copied)
	return copied
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// frameRecord is the browser's own record of its WebSocket frames.
type frameRecord struct {
	name string

	mu     sync.Mutex
	frames []string
	counts map[string]int
}

// recordWebSocketFrames records every WebSocket frame p's page sends and
// receives from now on.
func recordWebSocketFrames(p *person) *frameRecord {
	r := &frameRecord{name: p.name, counts: map[string]int{}}
	sent := chromedp.Events(p.ctx, network.WebSocketFrameSent)
	received := chromedp.Events(p.ctx, network.WebSocketFrameReceived)
	go func() {
		for ev, err := range sent {
			if err != nil {
				return
			}
			r.add("sent", ev.Response)
		}
	}()
	go func() {
		for ev, err := range received {
			if err != nil {
				return
			}
			r.add("received", ev.Response)
		}
	}()
	return r
}

func (r *frameRecord) add(direction string, f *network.WebSocketFrame) {
	if f == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.frames = append(r.frames, string(f.PayloadData))
	r.counts[direction]++
}

func (r *frameRecord) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.frames, "\n")
}

// byRoom splits the recorded objects into those of room and the others: an
// object names its room, or belongs to the connection's first room.
func (r *frameRecord) byRoom(firstRoom, room string) (of, others string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var in, out []string
	for _, frame := range r.frames {
		for _, object := range strings.Split(frame, "\n") {
			var named struct{ Room string }
			_ = json.Unmarshal([]byte(object), &named)
			if named.Room == "" {
				named.Room = firstRoom
			}
			if named.Room == room {
				in = append(in, object)
			} else {
				out = append(out, object)
			}
		}
	}
	return strings.Join(in, "\n"), strings.Join(out, "\n")
}

func (r *frameRecord) count(direction string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[direction]
}

// rawRoomClient is a WebSocket client of the relay that is not a browser:
// what anyone who knows the room id (the operator, say) receives.
type rawRoomClient struct {
	mu     sync.Mutex
	frames []string
	msgs   []wire.Msg
	got    chan struct{}
}

func dialRawRoom(t *testing.T, addr, roomID string) *rawRoomClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws?room="+roomID+"&cid=raw-observer&since=0", nil)
	if err != nil {
		t.Fatalf("raw client: %v", err)
	}
	r := &rawRoomClient{got: make(chan struct{}, 1)}
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

func (r *rawRoomClient) waitMsgs(t *testing.T, n int) []wire.Msg {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		r.mu.Lock()
		msgs := append([]wire.Msg(nil), r.msgs...)
		r.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-r.got:
		case <-deadline:
			t.Fatalf("the raw client received %d msgs in %v, want %d", len(msgs), waitTimeout, n)
		}
	}
}

func (r *rawRoomClient) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.frames, "\n")
}
