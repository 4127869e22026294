package relay

import (
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/chatpwa/chat/relay/wire"
)

func TestServer_Token_ValidForgedExpiredOtherRoom(t *testing.T) {
	const secret = "token-secret"
	tr := startRelay(t, Config{Secret: secret})
	mustIssue := func(room, name string) string {
		tok, err := IssueToken(secret, room, name, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	expired, err := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{Room: "team", RegisteredClaims: jwt.RegisteredClaims{
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(-time.Minute)),
	}}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{Room: "team", RegisteredClaims: jwt.RegisteredClaims{
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
	}}).SignedString([]byte("not-the-secret"))
	if err != nil {
		t.Fatal(err)
	}
	noExpiry, err := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{Room: "team"}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	unsigned, err := jwt.NewWithClaims(jwt.SigningMethodNone, Claims{Room: "team", RegisteredClaims: jwt.RegisteredClaims{
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
	}}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, token string
		wantStatus  int
		wantBody    string
	}{
		{"forged", forged, 401, "invalid token"},
		{"alg none", unsigned, 401, "invalid token"},
		{"garbage", "not.a.jwt", 401, "invalid token"},
		{"expired", expired, 401, "token expired"},
		{"without exp", noExpiry, 401, "invalid token"},
		{"other room", mustIssue("other", ""), 401, "token not valid for this room"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, resp, err := tr.dialRaw(query("team", "c", "token", tc.token), nil)
			if err == nil || resp == nil || resp.StatusCode != tc.wantStatus {
				t.Fatalf("dial: err=%v resp=%v, want %d", err, resp, tc.wantStatus)
			}
			if status, body, _ := plainGet(t, tr, query("team", "c", "token", tc.token), ""); status != tc.wantStatus || body != tc.wantBody+"\n" {
				t.Fatalf("diagnosis = %d %q, want %q", status, body, tc.wantBody)
			}
		})
	}

	t.Run("valid for the room, with name", func(t *testing.T) {
		c := tr.dial(t, query("team", "ok", "token", mustIssue("team", "Linus")))
		c.expect(wire.TypeWelcome)
		peer := tr.dial(t, query("team", "peer", "token", mustIssue("team", "")))
		if w := peer.expect(wire.TypeWelcome); len(w.Peers) != 1 || w.Peers[0].Name != "Linus" {
			t.Fatalf("peers = %+v", w.Peers)
		}
	})
	t.Run("valid for any room", func(t *testing.T) {
		c := tr.dial(t, query("elsewhere", "ok", "token", mustIssue(AnyRoom, "")))
		c.expect(wire.TypeWelcome)
		if status, _, _ := plainGet(t, tr, query("team", "x", "token", mustIssue(AnyRoom, "")), ""); status != http.StatusUpgradeRequired {
			t.Fatalf("diagnosis = %d, want 426", status)
		}
	})
}

func TestIssueToken_RefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		secret, room, name string
		ttl                time.Duration
	}{
		{"", "r", "", time.Hour},
		{"s", "bad room", "", time.Hour},
		{"s", "r", string(make([]byte, MaxTokenNameLen+1)), time.Hour},
		{"s", "r", "", 0},
	} {
		if _, err := IssueToken(tc.secret, tc.room, tc.name, tc.ttl); err == nil {
			t.Errorf("IssueToken(%q, %q, name of %d bytes, %v) succeeded", tc.secret, tc.room, len(tc.name), tc.ttl)
		}
	}
	tok, err := IssueToken("s", "r", "Ann", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := VerifyToken("s", tok, "r")
	if err != nil || claims.Name != "Ann" || claims.Room != "r" || claims.ExpiresAt == nil {
		t.Fatalf("VerifyToken = %+v, %v", claims, err)
	}
}
