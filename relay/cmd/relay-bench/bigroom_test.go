package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay"
	"github.com/chatpwa/chat/relay/wire"
)

// runBigroom runs the bigroom command and decodes its -json report.
func runBigroomJSON(t *testing.T, args ...string) bigroomResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), append(append([]string{"bigroom"}, args...), "-json"), &stdout, &stderr); code != 0 {
		t.Fatalf("relay-bench bigroom %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	var res bigroomResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("decode report %q: %v", stdout.String(), err)
	}
	return res
}

// TestBigroom_Crowd_AllInAndLive fills a room past a small presence limit,
// so that the coalesced presence path is the one measured: every member is
// in, gets every message, and last heard the right count.
func TestBigroom_Crowd_AllInAndLive(t *testing.T) {
	s, err := relay.New(relay.Config{PresenceLimit: 5,
		MaxConnsPerIP: relay.Unlimited, HandshakesPerIP: relay.Unlimited,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() { _ = s.Shutdown(context.Background()); srv.Close() })
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"

	res := runBigroomJSON(t, "-url", url, "-pid", strconv.Itoa(os.Getpid()), "-n", "40",
		"-settle", "1500ms", "-publish-every", "200ms", "-sources", "2")
	f := res.Fill
	if !f.AllIn || f.In != 40 || f.Drops != 0 || f.FailedDials != 0 {
		t.Fatalf("fill: %+v, want 40 in, no drops, no failed dials", f)
	}
	if f.Published < 2 || f.Missed != 0 || f.Duplicates != 0 || f.ErrorFrames != 0 {
		t.Errorf("published %d, missing %d, duplicates %d, error frames %d: want every member to get every message once",
			f.Published, f.Missed, f.Duplicates, f.ErrorFrames)
	}
	// The settle spans a coalesced flush after the last join.
	if f.PresenceAgreed != 40 {
		t.Errorf("%d of 40 members last heard count 40", f.PresenceAgreed)
	}
	if !res.MemoryMeasured || f.RSSKB == 0 || res.BytesPerMember == 0 {
		t.Errorf("memory or traffic not measured: %+v", res)
	}
}

// TestBigroom_ServerCloses_CountedByCode: members the server closes are
// drops, counted by close code with the reason, and stay out.
func TestBigroom_ServerCloses_CountedByCode(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{wire.Subprotocol}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		if err := c.Write(r.Context(), websocket.MessageText, []byte(`{"type":"welcome","conn":"c","room":"r","seq":0,"peers":[],"ping_ms":25000,"recovered":false}`)); err != nil {
			return
		}
		// Every odd member is a "slow consumer"; the others stay.
		if i, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Query().Get("cid"), "big-")); i%2 == 1 {
			_ = c.Close(websocket.StatusTryAgainLater, "outbound queue full")
			return
		}
		for {
			if _, _, err := c.Read(r.Context()); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"

	res := runBigroomJSON(t, "-url", url, "-n", "10", "-settle", "100ms", "-drain", "100ms", "-sources", "1")
	f := res.Fill
	if f.Drops != 5 || f.DropCodes["1013"] != 5 || f.DropReasons["1013"] != "outbound queue full" {
		t.Fatalf("drops %d, codes %v, reasons %v: want 5 × 1013 \"outbound queue full\"", f.Drops, f.DropCodes, f.DropReasons)
	}
	// This server echoes nothing: the 5 members still in miss every message.
	if f.Missed != 5 {
		t.Errorf("%d members missing messages, want the 5 still in", f.Missed)
	}
}

// TestBigroom_Storm_AllBack restarts a real relay process under a crowded
// room: every member comes back (since= and epoch=), gets the messages
// published after the restart, and none is dropped.
func TestBigroom_Storm_AllBack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the relay binary")
	}
	bin := filepath.Join(t.TempDir(), "relay")
	build := exec.Command("go", "build", "-o", bin, "github.com/chatpwa/chat/relay/cmd/relay")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build relay: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	server := bin + " -addr " + addr + " -max-conns-per-ip 0 -handshakes-per-ip 0 -presence-limit 5 -log-level error"
	res := runBigroomJSON(t, "-url", "ws://"+addr+"/ws", "-server", server, "-storm", "-n", "30",
		"-settle", "1500ms", "-publish-every", "300ms", "-backoff-min", "20ms", "-backoff-max", "200ms", "-sources", "2")
	if !res.Fill.AllIn || res.Fill.Drops != 0 {
		t.Fatalf("fill: %+v", res.Fill)
	}
	s := res.Storm
	if s == nil || !s.AllIn || s.In != 30 || s.Drops != 0 {
		t.Fatalf("storm: %+v, want all 30 back and none dropped", s)
	}
	if s.Published <= res.Fill.Published || s.Missed != 0 || s.PresenceAgreed != 30 {
		t.Errorf("after the restart: published %d (before %d), missing %d, count right at %d of 30",
			s.Published, res.Fill.Published, s.Missed, s.PresenceAgreed)
	}
	if s.RSSKB == 0 {
		t.Errorf("the restarted relay's memory was not read")
	}
}

func TestBigroom_StormNeedsServer(t *testing.T) {
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"bigroom", "-storm"}, io.Discard, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "-storm needs -server") {
		t.Fatalf("exit %d, stderr %q: want a refusal", code, stderr.String())
	}
}

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}
