package chat

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// DefaultReadLimit is the largest frame the client accepts from the relay
// (bytes). The relay batches several objects per frame, so it is well above
// the relay's own 64 KiB per-message limit.
const DefaultReadLimit = 1 << 20

// NewWebSocketTransport returns the Transport that dials the relay with
// coder/websocket, offering the chat.v1 subprotocol. It works natively and
// in the browser; there the handshake status is hidden by the WebSocket API,
// so a failed dial asks the relay's handshake diagnosis with a plain GET.
func NewWebSocketTransport() Transport { return webSocketTransport{} }

type webSocketTransport struct{}

var _ Transport = webSocketTransport{}

func (webSocketTransport) Dial(ctx context.Context, url string) (Conn, error) {
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
	if err != nil {
		return nil, dialFailure(ctx, url, resp, err)
	}
	ws.SetReadLimit(DefaultReadLimit)
	return &webSocketConn{ws: ws}, nil
}

// webSocketConn adapts *websocket.Conn to Conn.
type webSocketConn struct {
	ws        *websocket.Conn
	closeOnce sync.Once
	closeErr  error
}

var _ Conn = (*webSocketConn)(nil)

// Read never hands ctx to coder/websocket: in the browser a cancelled read
// closes with 1008, which browsers refuse (the socket would stay open).
// Instead ctx's end closes the connection properly with 1000.
func (c *webSocketConn) Read(ctx context.Context) ([]byte, error) {
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	typ, frame, err := c.ws.Read(context.Background())
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if ce, ok := errors.AsType[websocket.CloseError](err); ok {
			return nil, &CloseError{Code: int(ce.Code), Reason: ce.Reason}
		}
		return nil, fmt.Errorf("read: %w", err)
	}
	if typ != websocket.MessageText {
		return nil, errors.New("read: the relay sent a binary frame")
	}
	return frame, nil
}

func (c *webSocketConn) Write(ctx context.Context, frame []byte) error {
	if err := c.ws.Write(ctx, websocket.MessageText, frame); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// Close performs the close handshake with 1000 once; later calls return the
// first result.
func (c *webSocketConn) Close() error {
	c.closeOnce.Do(func() {
		err := c.ws.Close(websocket.StatusNormalClosure, "")
		// websocket.CloseStatus would link errors.As and its reflection.
		if ce, ok := errors.AsType[websocket.CloseError](err); err != nil && (!ok || ce.Code != websocket.StatusNormalClosure) {
			c.closeErr = fmt.Errorf("close: %w", err)
		}
	})
	return c.closeErr
}
