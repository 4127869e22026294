package wire

// Length limits of the names in the contract.
const (
	MaxRoomLen = 64
	MaxCIDLen  = 64
	MaxIDLen   = 64
	// MaxEpochLen bounds the epoch= parameter (extension "seq epoch").
	MaxEpochLen = 64
)

// ValidRoom reports whether s is a room name: 1–64 characters of A-Za-z0-9._-
func ValidRoom(s string) bool { return validName(s, MaxRoomLen, true) }

// ValidCID reports whether s is a client id: 1–64 characters of A-Za-z0-9_-
func ValidCID(s string) bool { return validName(s, MaxCIDLen, false) }

// ValidEpoch reports whether s can be a room's seq epoch as a client sends
// it back in epoch=: 1–64 characters of A-Za-z0-9_-
func ValidEpoch(s string) bool { return validName(s, MaxEpochLen, false) }

// ValidID reports whether s is a message id: 1–64 bytes chosen by the client.
// Any characters are allowed; only the length is bounded.
func ValidID(s string) bool { return len(s) >= 1 && len(s) <= MaxIDLen }

func validName(s string, maxLen int, allowDot bool) bool {
	if len(s) == 0 || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		case c == '.' && allowDot:
		default:
			return false
		}
	}
	return true
}
