//go:build !js

package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay"
	"github.com/chatpwa/chat/relay/wire"
)

// recordingTransport dials for real and remembers every connection, so a
// test can count them and cut one.
type recordingTransport struct {
	inner Transport
	mu    sync.Mutex
	conns []Conn
}

func newRecordingTransport() *recordingTransport {
	return &recordingTransport{inner: NewWebSocketTransport()}
}

func (c *recordingTransport) Dial(ctx context.Context, url string) (Conn, error) {
	conn, err := c.inner.Dial(ctx, url)
	if err == nil {
		c.mu.Lock()
		c.conns = append(c.conns, conn)
		c.mu.Unlock()
	}
	return conn, err
}

func (c *recordingTransport) dials() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.conns)
}

// cutLast closes the newest connection under its rooms, as a dropped link.
func (c *recordingTransport) cutLast() {
	c.mu.Lock()
	conn := c.conns[len(c.conns)-1]
	c.mu.Unlock()
	_ = conn.Close()
}

// runRoom runs a client of room on transport with its own store.
func runRoom(t *testing.T, relayURL, room, cid, nick, token string, transport Transport) *realClient {
	t.Helper()
	return runRealClientWith(t, Options{
		Relays: []string{relayURL}, Room: room, CID: cid, Nick: nick, Token: token,
		Transport: transport, Store: NewMemoryStore(),
	})
}

func online(v View) bool { return v.State == StateOnline }

func hasMember(nick string) func(View) bool {
	return func(v View) bool {
		return v.State == StateOnline && slices.ContainsFunc(v.Members, func(m Member) bool { return m.Nick == nick })
	}
}

func TestSharedTransport_ThreeRoomsOneConnection_EachRoomItsOwn(t *testing.T) {
	r := startRelay(t, "")
	shared := newRecordingTransport()
	transport := NewSharedTransport(shared, nil)
	rooms := []string{"room-a", "room-b", "room-c"}
	bob := map[string]*realClient{}
	for _, room := range rooms {
		bob[room] = runRoom(t, r.url(), room, "bob-cid", "bob", "", transport)
	}
	// One other person per room, each on a connection of their own.
	others := map[string]*realClient{}
	for i, room := range rooms {
		others[room] = runRoom(t, r.url(), room, fmt.Sprintf("peer-%d", i), "peer-"+room, "", nil)
	}
	for _, room := range rooms {
		waitReal(t, bob[room], "bob sees the peer of "+room, hasMember("peer-"+room))
		waitReal(t, others[room], "the peer of "+room+" sees bob", hasMember("bob"))
	}
	if n := shared.dials(); n != 1 {
		t.Fatalf("bob's three rooms used %d connections, want 1", n)
	}

	// Bob writes in every room: the frames of rooms b and c name their room.
	for _, room := range rooms {
		if err := bob[room].Send("bob in " + room); err != nil {
			t.Fatal(err)
		}
		if err := others[room].Send("peer in " + room); err != nil {
			t.Fatal(err)
		}
	}
	for _, room := range rooms {
		for _, c := range []*realClient{bob[room], others[room]} {
			v := waitReal(t, c, "both lines in "+room, func(v View) bool {
				return countMessages(v, "bob in "+room) == 1 && countMessages(v, "peer in "+room) == 1
			})
			for _, l := range messageLines(v) {
				if l.Text != "bob in "+room && l.Text != "peer in "+room {
					t.Fatalf("%s shows a line of another room: %q", room, l.Text)
				}
			}
		}
		waitReal(t, bob[room], "bob's line delivered in "+room, func(v View) bool { return deliveredOnce(v, "bob in "+room) })
	}

	// The link drops: every room recovers on one new connection, with what
	// was written meanwhile exactly once.
	shared.cutLast()
	for _, room := range rooms {
		if err := others[room].Send("during the cut in " + room); err != nil {
			t.Fatal(err)
		}
	}
	for _, room := range rooms {
		waitReal(t, bob[room], "bob recovered "+room, func(v View) bool {
			return online(v) && countMessages(v, "during the cut in "+room) == 1 && countMessages(v, "peer in "+room) == 1
		})
	}
	if n := shared.dials(); n != 2 {
		t.Fatalf("after one drop bob's rooms used %d connections in all, want 2", n)
	}

	// Leaving one room (its Client stops) is an unsub: its peer sees bob
	// leave, the other rooms stay on the connection.
	bob["room-b"].cancel()
	waitReal(t, others["room-b"], "bob left room-b", func(v View) bool { return !hasMember("bob")(v) })
	if err := others["room-a"].Send("still here"); err != nil {
		t.Fatal(err)
	}
	waitReal(t, bob["room-a"], "room-a still live", func(v View) bool { return countMessages(v, "still here") == 1 })
	waitReal(t, others["room-c"], "room-c still has bob", hasMember("bob"))
	if n := shared.dials(); n != 2 {
		t.Fatalf("leaving a room dialed again: %d connections", n)
	}
}

func TestSharedTransport_RefusedSubIsThatRoomsAnswerOnly(t *testing.T) {
	const secret = "s3cret"
	url := startRelayWith(t, "", relay.Config{Secret: secret}).url()
	token := func(room string) string {
		tok, err := relay.IssueToken(secret, room, "", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	shared := newRecordingTransport()
	transport := NewSharedTransport(shared, nil)
	open := runRoom(t, url, "open-room", "bob-cid", "bob", token("open-room"), transport)
	waitReal(t, open, "the first room online", online)
	denied := runRoom(t, url, "closed-room", "bob-cid", "bob", token("another-room"), transport)
	v := waitReal(t, denied, "the second room denied", func(v View) bool { return v.State == StateDenied })
	if v.Detail != "access denied: the invite is invalid or expired" {
		t.Fatalf("denied room's detail %q", v.Detail)
	}
	invalid := runRoom(t, url, "bad room!", "bob-cid", "bob", "", transport)
	waitReal(t, invalid, "the bad room name invalid", func(v View) bool { return v.State == StateInvalid })

	peer := runRoom(t, url, "open-room", "peer-cid", "peer", token("open-room"), nil)
	if err := peer.Send("the open room still works"); err != nil {
		t.Fatal(err)
	}
	waitReal(t, open, "the open room still works", func(v View) bool {
		return online(v) && countMessages(v, "the open room still works") == 1
	})
	if n := shared.dials(); n != 1 {
		t.Fatalf("refused subs cost %d connections, want the first only", n)
	}
}

// TestSharedTransport_RelayWithoutSubGetsAConnectionPerRoom plays a chat.v1
// relay without the extension: it answers a sub with bad_frame and no room.
func TestSharedTransport_RelayWithoutSubGetsAConnectionPerRoom(t *testing.T) {
	fake := newFakeTransport()
	transport := NewSharedTransport(fake, nil)
	ctx, cancel := context.WithTimeout(context.Background(), integrationTimeout)
	defer cancel()

	first := make(chan Conn, 1)
	go func() {
		conn, err := transport.Dial(ctx, "ws://relay/ws?room=a&cid=bob-cid&since=0")
		if err != nil {
			t.Error(err)
		}
		first <- conn
	}()
	relayA := fake.expectDial(t).accept()
	relayA.welcome(t, wire.Welcome{Conn: "c1", Room: "a"})
	connA := <-first
	defer connA.Close()
	if f, err := connA.Read(ctx); err != nil || !slices.Contains([]string{"welcome"}, mustType(t, f)) {
		t.Fatalf("room a's first frame %q, %v", f, err)
	}

	second := make(chan Conn, 1)
	go func() {
		conn, err := transport.Dial(ctx, "ws://relay/ws?room=b&cid=bob-cid&since=7&epoch=E1")
		if err != nil {
			t.Error(err)
		}
		second <- conn
	}()
	sub := relayA.next(t)
	if sub.Type != wire.TypeSub || sub.Room != "b" || sub.Since == nil || *sub.Since != 7 || sub.Epoch != "E1" {
		t.Fatalf("the sub for room b: %+v", sub)
	}
	relayA.send(t, wire.ServerFrame{Type: wire.TypeError, Code: wire.CodeBadFrame, Text: `unknown type "sub"`})
	dial := fake.expectDial(t)
	if dial.url != "ws://relay/ws?room=b&cid=bob-cid&since=7&epoch=E1" {
		t.Fatalf("room b's own connection dialed %q", dial.url)
	}
	relayB := dial.accept()
	relayB.welcome(t, wire.Welcome{Conn: "c2", Room: "b"})
	connB := <-second
	defer connB.Close()
	if err := connB.Write(ctx, []byte(`{"type":"pub","id":"x","data":1}`)); err != nil {
		t.Fatal(err)
	}
	if pub := relayB.next(t); pub.Type != wire.TypePub || pub.Room != "" {
		t.Fatalf("room b's pub on its own connection: %+v", pub)
	}
	// Room a never got the bad_frame meant for the sub: it was routed
	// before room b's dial, and Read returns what is queued even when its
	// context is done.
	readCtx, stop := context.WithCancel(ctx)
	stop()
	if f, err := connA.Read(readCtx); err == nil {
		t.Fatalf("room a got %q", f)
	}
}

func mustType(t *testing.T, frame []byte) string {
	t.Helper()
	typ, _ := objectHeader(frame)
	return typ
}

// A room's Client dials again before its old Conn is closed (a new token
// after "access denied", a stop and a start): the old join is left first, so
// the relay answers the new one for itself — here a token it refuses — and
// not with already_subscribed, which would read as an outage forever.
func TestSharedTransport_SameRoomDialedAgainBeforeClose(t *testing.T) {
	const secret = "s3cret"
	base := startRelayWith(t, "", relay.Config{Secret: secret}).url()
	good, err := relay.IssueToken(secret, "room-a", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := relay.IssueToken("another secret", "room-a", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), integrationTimeout)
	defer cancel()
	transport := NewSharedTransport(newRecordingTransport(), nil)

	first, err := transport.Dial(ctx, base+"?room=room-a&cid=bob-cid&since=0&token="+good)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := first.Read(ctx); err != nil || mustType(t, f) != wire.TypeWelcome {
		t.Fatalf("first dial: %q, %v", f, err)
	}
	again, err := transport.Dial(ctx, base+"?room=room-a&cid=bob-cid&since=0&token="+good)
	if err != nil {
		t.Fatalf("the same room dialed again: %v", err)
	}
	if f, err := again.Read(ctx); err != nil || mustType(t, f) != wire.TypeWelcome {
		t.Fatalf("the second dial's first frame: %q, %v", f, err)
	}
	_, err = transport.Dial(ctx, base+"?room=room-a&cid=bob-cid&since=0&token="+forged)
	var de *DialError
	if !errors.As(err, &de) || de.Status != 401 {
		t.Fatalf("the room dialed with a forged token: %v, want a 401 DialError", err)
	}
	_ = first.Close()
	_ = again.Close()
}
