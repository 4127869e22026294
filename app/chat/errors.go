package chat

import (
	"errors"
	"fmt"
)

// Errors returned by Client.Send and Client.SetNick. Their texts are shown to
// the person as they are.
var (
	// ErrEmpty: the text is empty or only whitespace.
	ErrEmpty = errors.New("message is empty")
	// ErrTooLong: the message would exceed the relay's frame limit; the
	// wrapping error names the size and the limit.
	ErrTooLong = errors.New("message is too long")
	// ErrBadNick: the nickname is empty or too long.
	ErrBadNick = errors.New("nickname must be 1 to 32 characters")
)

// tooLongError wraps ErrTooLong with the numbers a person needs.
func tooLongError(size, limit int) error {
	return fmt.Errorf("%w: %s, the limit is %s", ErrTooLong, humanBytes(size), humanBytes(limit))
}

// humanBytes formats n with binary units; whole KB without decimals ("64
// KB"), others with one ("64.1 KB") so that size and limit never read alike.
func humanBytes(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d bytes", n)
	case n%1024 == 0 && n < 1024*1024:
		return fmt.Sprintf("%d KB", n/1024)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	}
}
