package wire

import (
	"crypto/sha256"
	"encoding/base64"
)

// Client keys (extension): a client may prove its cid instead of naming it.
// It connects with ckey=SECRET and the relay uses CIDFromKey(SECRET) as its
// cid, so only the holder of the secret can speak as that cid.
const (
	// MinCKeyLen and MaxCKeyLen bound a ckey: at least 22 characters of a
	// 64-letter alphabet carry 132 bits, too many to guess.
	MinCKeyLen = 22
	MaxCKeyLen = 64
	// DerivedCIDLen is the length of a cid derived from a ckey.
	DerivedCIDLen = 22
)

// ValidCKey reports whether s can be a client key: 22–64 characters of
// A-Za-z0-9_-
func ValidCKey(s string) bool {
	return len(s) >= MinCKeyLen && validName(s, MaxCKeyLen, false)
}

// CIDFromKey is the cid of the client holding key: the first 22 characters
// of the unpadded base64url SHA-256 of key. It is a valid cid for every key.
func CIDFromKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:DerivedCIDLen]
}
