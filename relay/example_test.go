package relay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay"
	"github.com/chatpwa/chat/relay/wire"
)

// Embed the relay in your own HTTP server: mount the Server under the paths
// you want and call Shutdown when your server stops.
func Example_embed() {
	rl, err := relay.New(relay.Config{
		History: 100,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", rl)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "my app") })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = rl.Shutdown(ctx) // every chat connection is closed with 1001
	}()

	// A client joins room "lobby", publishes and reads its echo.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws?room=lobby&cid=ada"
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.CloseNow()
	_ = conn.Write(ctx, websocket.MessageText, []byte(`{"type":"pub","id":"m1","data":"hello"}`))
	for n := 0; n < 2; {
		_, frame, err := conn.Read(ctx)
		if err != nil {
			log.Fatal(err)
		}
		_ = wire.Split(frame, func(object []byte) error {
			var f wire.ServerFrame
			_ = json.Unmarshal(object, &f)
			switch f.Type {
			case wire.TypeWelcome:
				fmt.Printf("welcome to %s, last seq %d\n", f.Room, f.Seq)
			case wire.TypeMsg:
				fmt.Printf("msg %d from %s: %s\n", f.Seq, f.CID, f.Data)
			}
			n++
			return nil
		})
	}
	_ = conn.Close(websocket.StatusNormalClosure, "")
	// Output:
	// welcome to lobby, last seq 0
	// msg 1 from ada: "hello"
}
