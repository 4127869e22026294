package chat

import (
	"context"
	"errors"
	"strings"
	"syscall/js"
	"testing"
	"time"
)

// stubFetch replaces window.fetch with one answering status and body, and
// records the URLs asked: wasmbrowsertest's own server answers 200 to every
// path, so it cannot play the relay's handshake diagnosis.
func stubFetch(t *testing.T, status int, body string) *[]string {
	t.Helper()
	var urls []string
	original := js.Global().Get("fetch")
	stub := js.FuncOf(func(_ js.Value, args []js.Value) any {
		urls = append(urls, args[0].String())
		init := js.Global().Get("Object").New()
		init.Set("status", status)
		return js.Global().Get("Promise").Call("resolve", js.Global().Get("Response").New(body, init))
	})
	js.Global().Set("fetch", stub)
	t.Cleanup(func() {
		js.Global().Set("fetch", original)
		stub.Release()
	})
	return &urls
}

func TestDialFailure_DiagnosesStatusWithFetch(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
	}{{401, "token expired\n"}, {403, "origin not allowed"}, {400, "invalid room"}, {503, "too many connections"}} {
		urls := stubFetch(t, tc.status, tc.body)
		err := dialFailure(context.Background(), "wss://relay.example/ws?room=lobby&cid=c", nil, errors.New("websocket: closed"))
		var de *DialError
		if !errors.As(err, &de) || de.Status != tc.status || de.Reason != strings.TrimSpace(tc.body) {
			t.Fatalf("dialFailure = %v, want a *DialError %d %q", err, tc.status, tc.body)
		}
		if len(*urls) != 1 || (*urls)[0] != "https://relay.example/ws?room=lobby&cid=c" {
			t.Fatalf("fetched %q", *urls)
		}
	}
}

func TestDialFailure_426MeansTheHandshakeWouldPass(t *testing.T) {
	stubFetch(t, 426, "upgrade required")
	dialErr := errors.New("websocket: closed")
	err := dialFailure(context.Background(), "ws://relay.example/ws", nil, dialErr)
	var de *DialError
	if errors.As(err, &de) || !errors.Is(err, dialErr) {
		t.Fatalf("dialFailure = %v, want the transient dial error", err)
	}
}

func TestDialFailure_UnreachableStaysANetworkError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dialErr := errors.New("websocket: closed")
	err := dialFailure(ctx, "ws://127.0.0.1:1/ws", nil, dialErr)
	var de *DialError
	if errors.As(err, &de) || !errors.Is(err, dialErr) {
		t.Fatalf("dialFailure = %v, want the wrapped dial error", err)
	}
}

func TestHTTPURL(t *testing.T) {
	for in, want := range map[string]string{"ws://h:1/ws?a=b": "http://h:1/ws?a=b", "wss://h/ws": "https://h/ws", "http://x": "http://x"} {
		if got := httpURL(in); got != want {
			t.Errorf("httpURL(%q) = %q, want %q", in, got, want)
		}
	}
}
