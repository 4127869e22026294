//go:build !js

package chat

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

func TestWebSocketTransport_OffersSubprotocolReadsWritesClosesNormally(t *testing.T) {
	closed := make(chan websocket.StatusCode, 1)
	gotProtocol := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{wire.Subprotocol}})
		if err != nil {
			return
		}
		gotProtocol <- ws.Subprotocol()
		ctx := r.Context()
		big := strings.Repeat("x", 200<<10) // a batch larger than coder/websocket's 32 KiB default limit
		_ = ws.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`+"\n"+`{"type":"msg","id":"`+big+`"}`))
		_, frame, err := ws.Read(ctx)
		if err == nil {
			_ = ws.Write(ctx, websocket.MessageText, frame) // echo
		}
		_, _, err = ws.Read(ctx)
		closed <- websocket.CloseStatus(err)
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	conn, err := NewWebSocketTransport().Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws?room=lobby")
	if err != nil {
		t.Fatal(err)
	}
	if p := <-gotProtocol; p != wire.Subprotocol {
		t.Fatalf("negotiated %q", p)
	}
	frame, err := conn.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var objects int
	_ = wire.Split(frame, func([]byte) error { objects++; return nil })
	if objects != 2 {
		t.Fatalf("%d objects in the batch", objects)
	}
	if err := conn.Write(ctx, pingFrame); err != nil {
		t.Fatal(err)
	}
	if echo, err := conn.Read(ctx); err != nil || string(echo) != string(pingFrame) {
		t.Fatalf("echo %q, %v", echo, err)
	}
	if err := conn.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	select {
	case code := <-closed:
		if code != websocket.StatusNormalClosure {
			t.Fatalf("closed with %v, want 1000", code)
		}
	case <-time.After(waitTimeout):
		t.Fatal("server saw no close")
	}
}

func TestWebSocketTransport_ReadEndsWithContextAndClosesNormally(t *testing.T) {
	closed := make(chan websocket.StatusCode, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		_, _, err = ws.Read(r.Context())
		closed <- websocket.CloseStatus(err)
	}))
	defer srv.Close()
	conn, err := NewWebSocketTransport().Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	if _, err := conn.Read(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v", err)
	}
	select {
	case code := <-closed:
		if code != websocket.StatusNormalClosure {
			t.Fatalf("closed with %v, want 1000 (browsers refuse others)", code)
		}
	case <-time.After(waitTimeout):
		t.Fatal("server saw no close")
	}
}

func TestWebSocketTransport_RefusalIsADialError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "invalid token", http.StatusUnauthorized)
	}))
	defer srv.Close()
	_, err := NewWebSocketTransport().Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"))
	var de *DialError
	if !errors.As(err, &de) || de.Status != 401 || de.Reason != "invalid token" {
		t.Fatalf("dial error %v", err)
	}
	if de.Error() != "relay refused the connection: HTTP 401: invalid token" {
		t.Errorf("text %q", de.Error())
	}

	srv.Close()
	_, err = NewWebSocketTransport().Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"))
	if err == nil || errors.As(err, &de) {
		t.Fatalf("unreachable relay: %v", err)
	}
}
