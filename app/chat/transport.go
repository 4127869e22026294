package chat

import (
	"context"
	"fmt"
)

// Transport dials the relay. The WebSocket implementation (NewWebSocketTransport)
// works natively and in the browser; tests inject an in-memory one.
type Transport interface {
	// Dial opens a connection to url. When the relay refuses the handshake
	// with an HTTP status, the error is a *DialError.
	Dial(ctx context.Context, url string) (Conn, error)
}

// Conn is one open connection to the relay. The Client uses exactly one
// goroutine to Read and one to Write.
type Conn interface {
	// Read returns one WebSocket text frame, which may hold several
	// '\n'-separated objects. It returns when ctx is done or Close is called.
	Read(ctx context.Context) ([]byte, error)
	// Write sends one frame.
	Write(ctx context.Context, frame []byte) error
	// Close closes the connection with status 1000: browsers refuse 1001
	// (CloseNow throws there and leaves the socket open).
	Close() error
}

// CloseError is returned by Conn.Read when the relay closed the connection
// with a WebSocket close status: the client tells 1009 (a frame over the
// relay's max_message) from a plain drop.
type CloseError struct {
	Code   int    // WebSocket close status, e.g. 1009
	Reason string // the relay's close reason, possibly empty
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("relay closed the connection: %d %s", e.Code, e.Reason)
}

// DialError is returned by Transport.Dial when the relay refused the
// handshake with an HTTP status (400 bad room/cid, 401 token, 403 origin,
// 503 full).
type DialError struct {
	Status int    // HTTP status of the refusal
	Reason string // the relay's explanation, possibly empty
}

func (e *DialError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("relay refused the connection: HTTP %d", e.Status)
	}
	return fmt.Sprintf("relay refused the connection: HTTP %d: %s", e.Status, e.Reason)
}
