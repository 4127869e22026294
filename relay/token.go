package relay

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/chatpwa/chat/relay/wire"
)

// AnyRoom is the room claim of a token valid in every room.
const AnyRoom = "*"

// MaxTokenNameLen bounds the name claim, which every peer of the room sees.
const MaxTokenNameLen = 64

// Token errors, each answered with HTTP 401 before the upgrade.
var (
	ErrTokenMissing = errors.New("missing token")
	ErrTokenInvalid = errors.New("invalid token")
	ErrTokenExpired = errors.New("token expired")
	ErrTokenRoom    = errors.New("token not valid for this room")
	// ErrTokenCID: the token is bound to another cid (Claims.CID).
	ErrTokenCID = errors.New("token not valid for this cid")
)

// Claims are the claims of a relay token: an HS256 JWT granting entry to one
// room (or AnyRoom) until it expires, optionally naming its holder.
type Claims struct {
	// Room is a room name or AnyRoom.
	Room string `json:"room"`
	// Name, when set, is shown to the room's peers as the member's name.
	Name string `json:"name,omitempty"`
	// CID, when set, binds the token to one cid: the relay refuses it with
	// any other (see AllowsCID). Bind the cid a client derives from its ckey,
	// and start the relay with RequireCKey, and only that client can use it.
	CID string `json:"cid,omitempty"`
	jwt.RegisteredClaims
}

// IssueToken returns a token for room (a room name or AnyRoom), valid for
// ttl, signed with secret. Invite links carry it. name may be empty.
func IssueToken(secret, room, name string, ttl time.Duration) (string, error) {
	return IssueBoundToken(secret, room, name, "", ttl)
}

// IssueBoundToken is IssueToken for one cid only: the relay refuses the
// token with any other cid. cid empty: any cid, as IssueToken.
func IssueBoundToken(secret, room, name, cid string, ttl time.Duration) (string, error) {
	switch {
	case cid != "" && !wire.ValidCID(cid):
		return "", fmt.Errorf("issue token: invalid cid %q", cid)
	case secret == "":
		return "", errors.New("issue token: empty secret")
	case room != AnyRoom && !wire.ValidRoom(room):
		return "", fmt.Errorf("issue token: invalid room %q", room)
	case len(name) > MaxTokenNameLen:
		return "", fmt.Errorf("issue token: name longer than %d bytes", MaxTokenNameLen)
	case ttl <= 0:
		return "", fmt.Errorf("issue token: ttl must be positive, got %v", ttl)
	}
	now := time.Now()
	claims := Claims{
		Room: room,
		Name: name,
		CID:  cid,
		RegisteredClaims: jwt.RegisteredClaims{
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	return signed, nil
}

// VerifyToken checks that token was signed with secret, has not expired and
// grants room, and returns its claims. Its errors wrap ErrTokenMissing,
// ErrTokenInvalid, ErrTokenExpired or ErrTokenRoom.
func VerifyToken(secret, token, room string) (*Claims, error) {
	if token == "" {
		return nil, ErrTokenMissing
	}
	var claims Claims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) {
		return []byte(secret), nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, ErrTokenExpired
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrTokenInvalid, err)
	case len(claims.Name) > MaxTokenNameLen:
		return nil, fmt.Errorf("%w: name longer than %d bytes", ErrTokenInvalid, MaxTokenNameLen)
	case claims.Room != AnyRoom && claims.Room != room:
		return nil, ErrTokenRoom
	}
	return &claims, nil
}

// AllowsCID returns ErrTokenCID when the token is bound to a cid other than
// cid. VerifyToken does not check it: the cid is not known until the
// handshake has derived it.
func (c *Claims) AllowsCID(cid string) error {
	if c.CID != "" && c.CID != cid {
		return ErrTokenCID
	}
	return nil
}
