package relay

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

const (
	aliceKey = "alice-secret-key-0123456789"
	bobKey   = "bobs-secret-key-0123456789x"
)

// keyQuery builds a /ws query naming the client by ckey.
func keyQuery(room, ckey string, extra ...string) string {
	v := url.Values{"room": {room}, "ckey": {ckey}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v.Encode()
}

// TestServer_CKey_DerivedCIDIsAllOthersSee: a member connected with ckey is
// known by the derived cid in its welcome, its join, its messages and the
// welcome of later members; the key itself is never sent to anyone.
func TestServer_CKey_DerivedCIDIsAllOthersSee(t *testing.T) {
	tr := startRelay(t, Config{})
	cid := wire.CIDFromKey(aliceKey)
	watcher := tr.dial(t, query("k", "watcher"))
	watcher.expect(wire.TypeWelcome)

	alice := tr.dial(t, keyQuery("k", aliceKey))
	alice.expect(wire.TypeWelcome)
	join := watcher.expect(wire.TypeJoin)
	if join.Peer == nil || join.Peer.CID != cid {
		t.Fatalf("join peer = %+v, want the derived cid %q", join.Peer, cid)
	}
	alice.pub("m1", "hello")
	if msg := watcher.expect(wire.TypeMsg); msg.CID != cid {
		t.Fatalf("msg cid = %q, want %q", msg.CID, cid)
	}
	if echo := alice.expect(wire.TypeMsg); echo.CID != cid {
		t.Fatalf("echo cid = %q, want %q: the client recognises its messages by it", echo.CID, cid)
	}
	late := tr.dial(t, query("k", "late", "since", "0"))
	lateWelcome := late.expect(wire.TypeWelcome)
	found := false
	for _, p := range lateWelcome.Peers {
		found = found || p.CID == cid
		if strings.Contains(p.CID, aliceKey) {
			t.Fatal("the key leaked into a peer")
		}
	}
	if !found {
		t.Fatalf("late welcome peers %+v lack the derived cid", lateWelcome.Peers)
	}
	if replay := late.skipTo(wire.TypeMsg); replay.CID != cid {
		t.Fatalf("replayed msg cid = %q, want %q", replay.CID, cid)
	}
}

// TestServer_CKey_Refusals: every malformed or conflicting identity gets a
// documented 400, in the handshake and in its diagnosis.
func TestServer_CKey_Refusals(t *testing.T) {
	tr := startRelay(t, Config{HandshakesPerIP: Unlimited})
	for _, tc := range []struct {
		name, query, body string
	}{
		{"both", keyQuery("k", aliceKey, "cid", "x"), "invalid cid: give cid or ckey, not both"},
		{"both, the cid derived", keyQuery("k", aliceKey, "cid", wire.CIDFromKey(aliceKey)), "invalid cid: give cid or ckey, not both"},
		{"too short", keyQuery("k", strings.Repeat("k", 21)), "invalid ckey"},
		{"too long", keyQuery("k", strings.Repeat("k", 65)), "invalid ckey"},
		{"bad character", keyQuery("k", strings.Repeat("k", 21)+"."), "invalid ckey"},
		{"empty", keyQuery("k", ""), "invalid ckey"},
		{"neither", "room=k", "invalid cid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRefused(t, tr, tc.query, nil, http.StatusBadRequest, tc.body)
		})
	}
	// The bounds themselves are fine.
	for _, key := range []string{strings.Repeat("k", 22), strings.Repeat("k", 64)} {
		tr.dial(t, keyQuery("k", key)).expect(wire.TypeWelcome)
	}
}

// TestServer_RequireCKey: with RequireCKey a plain cid= is refused, before
// the origin and token checks, and ckey= is served.
func TestServer_RequireCKey(t *testing.T) {
	tr := startRelay(t, Config{RequireCKey: true})
	wantRefused(t, tr, query("k", "c"), nil, http.StatusBadRequest, "ckey required")
	wantRefused(t, tr, "room=k", nil, http.StatusBadRequest, "ckey required")
	wantRefused(t, tr, query("bad room", "c"), nil, http.StatusBadRequest, "invalid room")
	tr.dial(t, keyQuery("k", aliceKey)).expect(wire.TypeWelcome)
}

// TestServer_Token_BoundToCID: a token issued for one cid opens the room to
// that cid (named or derived from its ckey) and to no other: 401.
func TestServer_Token_BoundToCID(t *testing.T) {
	const secret = "bound-secret"
	tr := startRelay(t, Config{Secret: secret})
	aliceCID := wire.CIDFromKey(aliceKey)
	token, err := IssueBoundToken(secret, "b", "Alice", aliceCID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tr.dial(t, keyQuery("b", aliceKey, "token", token)).expect(wire.TypeWelcome)
	wantRefused(t, tr, keyQuery("b", bobKey, "token", token), nil, http.StatusUnauthorized, "token not valid for this cid")
	wantRefused(t, tr, query("b", "mallory", "token", token), nil, http.StatusUnauthorized, "token not valid for this cid")

	// An unbound token still admits any cid.
	open, err := IssueToken(secret, "b", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tr.dial(t, keyQuery("b", bobKey, "token", open)).expect(wire.TypeWelcome)

	if _, err := IssueBoundToken(secret, "b", "", "not a cid", time.Hour); err == nil {
		t.Fatal("IssueBoundToken accepted an invalid cid")
	}
}
