package chat

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// dialParams decodes the identity parameters of a dial URL.
func dialParams(t *testing.T, dialURL string) url.Values {
	t.Helper()
	u, err := url.Parse(dialURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func TestLoadIdentity_CreatedOnceAndKept(t *testing.T) {
	store := NewMemoryStore()
	id := LoadIdentity(store, "", nil)
	if !wire.ValidCKey(id.Key) || id.Legacy != "" {
		t.Fatalf("new identity %+v: want a valid key and no legacy cid", id)
	}
	if again := LoadIdentity(store, "", nil); again.Key != id.Key {
		t.Fatal("a reload made a new key: the install would lose its cid")
	}
	if other := LoadIdentity(NewMemoryStore(), "", nil); other.Key == id.Key {
		t.Fatal("two installs got the same key")
	}
	if id.CID() != wire.CIDFromKey(id.Key) || !id.Owns(id.CID()) || id.Owns("someone") || id.Owns("") {
		t.Fatalf("CID %q / Owns disagree with the relay's derivation", id.CID())
	}
}

// TestClient_Identity_FreshInstallConnectsWithCKey: no legacy cid, so the
// first connection names the key, never a cid, and an echo carrying the
// derived cid delivers the message.
func TestClient_Identity_FreshInstallConnectsWithCKey(t *testing.T) {
	o := defaultOptions()
	o.Store = NewMemoryStore()
	o.Identity = LoadIdentity(o.Store, "", nil)
	h := start(t, o)
	if err := h.client.Send("hi"); err != nil {
		t.Fatal(err)
	}
	relay, req := h.connect(wire.Welcome{})
	q := dialParams(t, req.url)
	if q.Get("ckey") != o.Identity.Key || q.Has("cid") {
		t.Fatalf("dial %s: want ckey= and no cid=", req.url)
	}
	pub := relay.nextOf(t, wire.TypePub)
	relay.send(t, echo(t, 1, o.Identity.CID(), pub))
	v := h.waitView("delivered", func(v View) bool {
		l := messageLines(v)
		return len(l) == 1 && l[0].Status == StatusDelivered
	})
	if !messageLines(v)[0].Mine {
		t.Fatal("my echo under the derived cid is not mine")
	}
}

// TestClient_Identity_MigrationKeepsOutboxAndHistory: an install from
// before keys has history under its old cid and a message queued (perhaps
// already published) under it. It keeps connecting with cid=OLD until that
// message is delivered, so that the relay deduplicates its resend, then
// switches to ckey= for good; old messages stay mine throughout.
func TestClient_Identity_MigrationKeepsOutboxAndHistory(t *testing.T) {
	store := NewMemoryStore()
	o := defaultOptions() // CID "me-cid", the install's old cid
	o.Store = store
	old := New(o)
	if err := old.Send("queued before the update"); err != nil {
		t.Fatal(err)
	}
	storeHistory(t, store, o.Room, storedHistory{Seq: 1, Messages: []storedMessage{{Seq: 1, CID: "me-cid", ID: "x1", Nick: "brave-otter", Text: "said long ago"}}})

	o.Identity = LoadIdentity(store, o.CID, nil)
	h := start(t, o)
	v := h.client.View()
	if l := messageLines(v); len(l) != 2 || !l[0].Mine || !l[1].Mine {
		t.Fatalf("after the update: %+v, want the old message and the queued one, both mine", l)
	}
	relay, req := h.connectWithReplay(wire.Welcome{Seq: 1, Recovered: true}, msg(1, "me-cid", "x1", "brave-otter", "said long ago"))
	if q := dialParams(t, req.url); q.Get("cid") != "me-cid" || q.Has("ckey") {
		t.Fatalf("first dial %s: want cid=me-cid while the outbox holds a message queued under it", req.url)
	}
	pub := relay.nextOf(t, wire.TypePub)
	relay.drop() // the echo is lost: the relay may have stored it under (me-cid, id)
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h.client.RetryNow()
	relay, req = h.connectUnreplayed(wire.Welcome{Seq: 2, Recovered: true})
	if q := dialParams(t, req.url); q.Get("cid") != "me-cid" {
		t.Fatalf("second dial %s: still queued, must stay on cid=me-cid", req.url)
	}
	if again := relay.nextOf(t, wire.TypePub); again.ID != pub.ID {
		t.Fatalf("resent %q, want the same id %q (deduplicated under me-cid)", again.ID, pub.ID)
	}
	relay.send(t, echo(t, 2, "me-cid", pub))
	h.waitView("delivered", func(v View) bool {
		l := messageLines(v)
		return len(l) == 2 && l[1].Status == StatusDelivered && l[1].Mine
	})

	relay.drop()
	h.waitView("offline", func(v View) bool { return v.State == StateOffline })
	if err := h.client.Send("after the switch"); err != nil { // queued before the next dial decides
		t.Fatal(err)
	}
	h.client.RetryNow()
	_, req = h.connect(wire.Welcome{Seq: 2, Recovered: true})
	if q := dialParams(t, req.url); q.Has("ckey") || q.Get("cid") != "me-cid" {
		// The outbox was not empty at this dial: the room stays on the old cid.
		t.Fatalf("dial with a new queued message %s: want cid=me-cid", req.url)
	}
	h.stop()

	// A room whose outbox is empty at a dial switches, and stays switched
	// even when a message is queued later.
	fresh := defaultOptions()
	fresh.Store, fresh.Room = store, "other"
	storeHistory(t, store, "other", storedHistory{Seq: 1, Messages: []storedMessage{{Seq: 1, CID: "me-cid", ID: "o1", Nick: "brave-otter", Text: "before keys"}}})
	fresh.Identity = LoadIdentity(store, "me-cid", nil)
	h2 := start(t, fresh)
	relay2, req2 := h2.connect(wire.Welcome{})
	if q := dialParams(t, req2.url); q.Get("ckey") != fresh.Identity.Key || q.Has("cid") {
		t.Fatalf("empty outbox: dial %s, want ckey=", req2.url)
	}
	if l := messageLines(h2.client.View()); len(l) != 1 || !l[0].Mine {
		t.Fatalf("on the key, a message of the old cid: %+v, want it mine (alias)", l)
	}
	if err := h2.client.Send("queued under the key"); err != nil {
		t.Fatal(err)
	}
	relay2.nextOf(t, wire.TypePub)
	relay2.drop()
	h2.waitView("offline", func(v View) bool { return v.State == StateOffline })
	h2.client.RetryNow()
	if _, req2 = h2.connect(wire.Welcome{}); !dialParams(t, req2.url).Has("ckey") {
		t.Fatalf("a switched room went back to cid=: %s", req2.url)
	}
	var saved Identity
	raw, _ := store.Get(IdentityKey)
	if err := json.Unmarshal([]byte(raw), &saved); err != nil || strings.Join(saved.Switched, ",") != "other" {
		t.Fatalf("persisted identity %s (%v): want room other switched", raw, err)
	}
}

// failingStore refuses every write, as a full localStorage does.
type failingStore struct{ Store }

func (failingStore) Set(string, string) error { return errors.New("quota exceeded") }

// TestIdentity_SwitchOnlyOnceSaved: a switch that could not be saved is not
// made, or a reload would send what was queued under the key with cid=.
func TestIdentity_SwitchOnlyOnceSaved(t *testing.T) {
	store := NewMemoryStore()
	id := LoadIdentity(store, "old", nil)
	id.store = failingStore{store}
	if d, cid := id.forDial("room", true); d.param != "cid" || cid != "old" {
		t.Fatalf("unsaved switch made: %+v %q", d, cid)
	}
	id.store = store
	if d, cid := id.forDial("room", true); d.param != "ckey" || cid != id.CID() {
		t.Fatalf("saved switch not made: %+v %q", d, cid)
	}
}
