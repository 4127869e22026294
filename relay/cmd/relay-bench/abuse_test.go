package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay"
)

// TestAbuseAgainstARelay runs the three attacks, scaled down, against a
// real relay with small bounds: the flood is echoed and evicted within
// -history-bytes, rooms are created until the relay answers 503, and the
// slow-header connections are all accounted for.
func TestAbuseAgainstARelay(t *testing.T) {
	s, err := relay.New(relay.Config{Rate: 1000, Burst: 1000, MaxRooms: 30, HistoryBytes: 64 << 10,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		_ = s.Shutdown(context.Background())
		srv.Close()
	})
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	var stdout, stderr bytes.Buffer
	args := []string{"abuse", "-url", url, "-pid", strconv.Itoa(os.Getpid()), "-sources", "2", "-json",
		"-flood-conns", "4", "-flood-msgs", "5", "-flood-kb", "8", "-flood-rate", "500", "-settle", "0s",
		"-rooms-try", "100", "-slow-conns", "5", "-slow-wait", "200ms"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var res abuseResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("decode %q: %v", stdout.String(), err)
	}
	if res.Flood == nil || res.Flood.Echoed != 20 || res.Flood.RSSAfterKB == 0 {
		t.Errorf("flood = %+v, want 20 echoes and the RSS", res.Flood)
	}
	if hb, err := strconv.Atoi(res.Flood.HistoryBytes); err != nil || hb > 64<<10 {
		t.Errorf("relay_history_bytes = %q, want at most %d", res.Flood.HistoryBytes, 64<<10)
	}
	if res.Rooms == nil || res.Rooms.Created == 0 || res.Rooms.Created > 30 || !(strings.Contains(res.Rooms.FirstRefusal, "503") || strings.Contains(res.Rooms.FirstRefusal, "too many rooms")) {
		t.Errorf("rooms = %+v, want at most 30 created, then a 503 (or, racing, 1013 too many rooms)", res.Rooms)
	}
	if res.Slow == nil || res.Slow.Opened != 5 || res.Slow.Closed+res.Slow.StillOpen != 5 {
		t.Errorf("slowheader = %+v, want 5 opened and accounted for", res.Slow)
	}
}

// TestAbuseAgainstABroadcastServer runs the attacks with -proto raw against
// a plain broadcast server like relay/bench/ws-broadcast.js (every frame to
// every connection, no rooms, no limits): each flooder reads its own
// messages among everyone's, every "room" is accepted, and the slow-header
// connections are accounted for.
func TestAbuseAgainstABroadcastServer(t *testing.T) {
	srv := httptest.NewServer(newBroadcastServer())
	t.Cleanup(srv.Close)
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/"
	var stdout, stderr bytes.Buffer
	args := []string{"abuse", "-url", url, "-proto", "raw", "-pid", strconv.Itoa(os.Getpid()), "-json",
		"-flood-conns", "3", "-flood-msgs", "4", "-flood-kb", "8", "-flood-rate", "500", "-settle", "0s",
		"-rooms-try", "20", "-slow-conns", "5", "-slow-wait", "200ms"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var res abuseResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("decode %q: %v", stdout.String(), err)
	}
	if res.Flood == nil || res.Flood.Echoed != 12 || res.Flood.Received < 12 || res.Flood.HistoryBytes != "" {
		t.Errorf("flood = %+v, want 12 own echoes among what was received, no relay metrics", res.Flood)
	}
	if res.Rooms == nil || res.Rooms.Created != 20 || res.Rooms.FirstRefusal != "" {
		t.Errorf("rooms = %+v, want all 20 accepted", res.Rooms)
	}
	if res.Slow == nil || res.Slow.Opened != 5 || res.Slow.Closed+res.Slow.StillOpen != 5 {
		t.Errorf("slowheader = %+v, want 5 opened and accounted for", res.Slow)
	}
}

// broadcastServer is ws-broadcast.js in Go: every message to every open
// connection, the sender included.
type broadcastServer struct {
	mu    sync.Mutex
	conns map[*websocket.Conn]struct{}
}

func newBroadcastServer() *broadcastServer {
	return &broadcastServer{conns: make(map[*websocket.Conn]struct{})}
}

func (b *broadcastServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	conn.SetReadLimit(1 << 20)
	b.mu.Lock()
	b.conns[conn] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.conns, conn)
		b.mu.Unlock()
		_ = conn.CloseNow()
	}()
	for {
		typ, data, err := conn.Read(r.Context())
		if err != nil {
			return
		}
		b.mu.Lock()
		for c := range b.conns {
			// Like ws's send, it does not wait for a slow reader long.
			ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
			_ = c.Write(ctx, typ, data)
			cancel()
		}
		b.mu.Unlock()
	}
}
