package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/chatpwa/chat/relay"
)

// startRelay serves a real relay on loopback for the tool to drive.
func startRelay(t *testing.T) string {
	t.Helper()
	s, err := relay.New(relay.Config{Rate: 100000, Burst: 100000, Queue: 4096,
		// Every connection of the tool comes from 127.0.0.1.
		MaxConnsPerIP: relay.Unlimited, HandshakesPerIP: relay.Unlimited,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		_ = s.Shutdown(context.Background())
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

// runJSON runs the tool and decodes its -json report.
func runJSON(t *testing.T, args ...string) loadResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), append(args, "-json"), &stdout, &stderr); code != 0 {
		t.Fatalf("relay-bench %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	var res loadResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("decode report %q: %v", stdout.String(), err)
	}
	return res
}

// TestFanoutAgainstARelay drives a real relay, once through one URL and
// once through two URLs of relays serving the same rooms: every message
// reaches every member exactly once and the report adds up.
func TestFanoutAgainstARelay(t *testing.T) {
	url := startRelay(t)
	pid := strconv.Itoa(os.Getpid()) // the relay runs in this process
	for name, urls := range map[string]string{"one relay": url, "two urls": url + "," + url} {
		t.Run(name, func(t *testing.T) {
			res := runJSON(t, "fanout", "-url", urls, "-pid", pid, "-subs", "20", "-pubs", "2",
				"-window", "4", "-duration", "300ms", "-sources", "2")
			if res.Published == 0 || res.Received == 0 {
				t.Fatalf("nothing went through: %+v", res)
			}
			if res.Expected != res.Published*22 {
				t.Errorf("expected %d deliveries for %d published to 22 members", res.Expected, res.Published)
			}
			if res.Lost != 0 || res.Duplicates != 0 || res.Errors != 0 || res.ClosedEarly != 0 {
				t.Errorf("lost %d, duplicates %d, error frames %d, closed early %d: want none",
					res.Lost, res.Duplicates, res.Errors, res.ClosedEarly)
			}
			if !res.CPUMeasured || res.ServerRSSKB == 0 {
				t.Errorf("server CPU/RSS not measured with -pid: %+v", res)
			}
			if runtime.GOOS == "linux" && (res.RecvLag == nil || res.RecvLag.Count < int64(res.Frames)) {
				t.Errorf("receive lag %+v for %d frames read: want one per frame", res.RecvLag, res.Frames)
			}
			if runtime.GOOS == "linux" {
				// Every delivery is stamped, and no stamp is later than the read.
				l, sl := res.Latency, res.SocketLatency
				if res.StampMismatches != 0 || sl == nil || sl.Count != l.Count {
					t.Fatalf("latency to the socket %+v for %d latencies, %d stamp mismatches: want one per latency, none",
						sl, l.Count, res.StampMismatches)
				}
				if sl.P50 > l.P50 || sl.P99 > l.P99 || sl.Max > l.Max || res.SocketStampsPossiblyLate > uint64(sl.Count) {
					t.Errorf("latency to the socket %+v above the latency %+v, or %d possibly late of %d",
						sl, l, res.SocketStampsPossiblyLate, sl.Count)
				}
				if f := res.SocketLatencyFloor; f == nil || f.Count != sl.Count || f.P50 > sl.P50 || f.P99 > sl.P99 || f.Max > sl.Max {
					t.Errorf("lower bound %+v of the latency to the socket %+v: want one per latency, none above", f, sl)
				}
			}
		})
	}
}

// TestFanoutSpreadsOverURLs proves the members really are spread: over two
// relays that share nothing, what is published on one never reaches the
// members of the other, and the tool reports it as lost.
func TestFanoutSpreadsOverURLs(t *testing.T) {
	urls := startRelay(t) + "," + startRelay(t)
	res := runJSON(t, "fanout", "-url", urls, "-subs", "20", "-pubs", "2",
		"-window", "4", "-duration", "300ms", "-drain", "300ms", "-sources", "2")
	if res.Published == 0 || res.Lost == 0 {
		t.Fatalf("published %d, lost %d: want losses across relays that share no broker", res.Published, res.Lost)
	}
}

func TestStormRefusesSeveralURLs(t *testing.T) {
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"storm", "-url", "ws://127.0.0.1:1/ws,ws://127.0.0.1:2/ws", "-server", "true"}, io.Discard, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "one -url") {
		t.Fatalf("exit %d, stderr %q: want a refusal naming the one -url", code, stderr.String())
	}
}
