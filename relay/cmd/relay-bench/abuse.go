package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Defaults of the abuse command: the attacks of issue 10, as an anonymous
// client on the internet would run them.
const (
	DefaultFloodConns = 100
	DefaultFloodMsgs  = 100
	DefaultFloodKB    = 60
	// DefaultFloodRate stays under the relay's default -rate (10/s).
	DefaultFloodRate   = 9.0
	DefaultRoomsTry    = 200_000
	DefaultSlowConns   = 500
	DefaultSlowWait    = 30 * time.Second
	DefaultAbuseSettle = 3 * time.Second
)

const abuseUsage = `Usage: relay-bench abuse [flags]

Runs attacks against a relay and reports what it holds afterwards:

  flood       -flood-conns connections, each alone in its own room, each
              publishing -flood-msgs messages of -flood-kb KB at -flood-rate
              per second (under the relay's rate limit), then disconnecting.
              Reports the relay's RSS before, at its peak and -settle after,
              the refusals, relay_history_bytes and
              relay_history_evictions_total (read from the relay's /metrics).
  rooms       creates rooms until the relay refuses one (or -rooms-try):
              each a connection that publishes one message and leaves, so
              the room is kept for its window. Reports rooms created and the
              first refusal.
  slowheader  -slow-conns TCP connections that send half an HTTP header and
              wait: reports how many the relay closed, and when.

-attacks chooses them (comma-separated, default all, in that order).

-proto raw runs the same attacks against a plain broadcast server (the
Node ws server of relay/bench): it has no rooms, so every flood message goes
to every connection (received counts them), "rooms" only open and close
connections, and nothing is read from /metrics.

Flags:
`

// abuseResult is the report of the abuse command.
type abuseResult struct {
	Command string       `json:"command"`
	URL     string       `json:"url"`
	Flood   *floodResult `json:"flood,omitempty"`
	Rooms   *roomsResult `json:"rooms,omitempty"`
	Slow    *slowResult  `json:"slowheader,omitempty"`
}

type floodResult struct {
	Conns       int     `json:"conns"`
	MsgsPerConn int     `json:"msgs_per_conn"`
	KB          int     `json:"kb"`
	Rate        float64 `json:"rate"`
	PublishedMB float64 `json:"published_mb"`
	Echoed      int64   `json:"echoed"`
	// Received counts every message the flood's connections read: their
	// own echoes and, from a broadcast server, everyone else's.
	Received         int64   `json:"received"`
	Refused          int64   `json:"refused_frames"`
	DialRefused      int64   `json:"dial_refused"`
	Closed           int64   `json:"closed_by_relay"`
	Seconds          float64 `json:"seconds"`
	RSSBeforeKB      int64   `json:"rss_before_kb,omitempty"`
	RSSPeakKB        int64   `json:"rss_peak_kb,omitempty"`
	RSSAfterKB       int64   `json:"rss_after_kb,omitempty"`
	HistoryBytes     string  `json:"relay_history_bytes,omitempty"`
	HistoryEvictions string  `json:"relay_history_evictions_total,omitempty"`
	Rooms            string  `json:"relay_rooms,omitempty"`
}

type roomsResult struct {
	Created      int     `json:"created"`
	FirstRefusal string  `json:"first_refusal,omitempty"`
	Seconds      float64 `json:"seconds"`
	RSSAfterKB   int64   `json:"rss_after_kb,omitempty"`
	Rooms        string  `json:"relay_rooms,omitempty"`
}

type slowResult struct {
	Conns          int     `json:"conns"`
	Opened         int     `json:"opened"`
	Closed         int     `json:"closed_by_relay"`
	StillOpen      int     `json:"still_open"`
	Waited         float64 `json:"waited_seconds"`
	MedianCloseSec float64 `json:"median_close_seconds,omitempty"`
	MaxCloseSec    float64 `json:"max_close_seconds,omitempty"`
}

type abuseFlags struct {
	common                         commonFlags
	attacks                        string
	floodConns, floodMsgs, floodKB int
	floodRate                      float64
	roomsTry                       int
	slowConns                      int
	slowWait, settle               time.Duration
}

func runAbuse(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f abuseFlags
	fs := newFlagSet("abuse", stderr, abuseUsage)
	f.common.register(fs)
	fs.StringVar(&f.attacks, "attacks", "flood,rooms,slowheader", "attacks to run, comma-separated")
	fs.IntVar(&f.floodConns, "flood-conns", DefaultFloodConns, "flood: connections, each alone in its room")
	fs.IntVar(&f.floodMsgs, "flood-msgs", DefaultFloodMsgs, "flood: messages per connection")
	fs.IntVar(&f.floodKB, "flood-kb", DefaultFloodKB, "flood: KB of data per message")
	fs.Float64Var(&f.floodRate, "flood-rate", DefaultFloodRate, "flood: messages per second per connection")
	fs.IntVar(&f.roomsTry, "rooms-try", DefaultRoomsTry, "rooms: most rooms to try")
	fs.IntVar(&f.slowConns, "slow-conns", DefaultSlowConns, "slowheader: TCP connections")
	fs.DurationVar(&f.slowWait, "slow-wait", DefaultSlowWait, "slowheader: how long to wait for the relay to close them")
	fs.DurationVar(&f.settle, "settle", DefaultAbuseSettle, "flood: how long the relay gets after the flood before its RSS is read")
	if err := parse(fs, args, &f.common); err != nil {
		return err
	}
	if f.common.proto != protoChat && f.common.proto != protoRaw {
		return errors.New("abuse speaks chat.v1 or raw (a broadcast server) only")
	}
	if _, err := raiseFileLimit(); err != nil {
		fmt.Fprintln(stderr, "relay-bench: open-files limit:", err)
	}
	d, err := newDialer(&f.common)
	if err != nil {
		return err
	}
	res := abuseResult{Command: "abuse", URL: f.common.url}
	for _, attack := range strings.Split(f.attacks, ",") {
		switch strings.TrimSpace(attack) {
		case "flood":
			res.Flood, err = flood(ctx, d, &f)
		case "rooms":
			res.Rooms, err = manyRooms(ctx, d, &f)
		case "slowheader":
			res.Slow, err = slowHeader(ctx, &f)
		default:
			return fmt.Errorf("-attacks: unknown attack %q", attack)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", attack, err)
		}
	}
	return report(stdout, f.common.jsonOut, res, printAbuse)
}

// rss reads the relays' RSS, 0 without -pid.
func (f *abuseFlags) rss() int64 {
	if len(f.common.pids) == 0 {
		return 0
	}
	kb, _ := sumStatusKB(f.common.pids, "VmRSS")
	return kb
}

// metric reads one series from the relay's /metrics (next to -url), "" when
// it cannot or the server is not a relay.
func (f *abuseFlags) metric(ctx context.Context, series string) string {
	if f.common.proto != protoChat {
		return ""
	}
	u, err := url.Parse(f.common.urls()[0])
	if err != nil {
		return ""
	}
	u.Scheme = strings.Replace(u.Scheme, "ws", "http", 1)
	u.Path, u.RawQuery = "/metrics", ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			return v
		}
	}
	return ""
}

// runID keeps the rooms of two runs against the same relay apart.
func runID() string { return strconv.FormatInt(time.Now().UnixNano()%1e9, 36) }

func flood(ctx context.Context, d *dialer, f *abuseFlags) (*floodResult, error) {
	res := &floodResult{Conns: f.floodConns, MsgsPerConn: f.floodMsgs, KB: f.floodKB, Rate: f.floodRate}
	res.RSSBeforeKB = f.rss()
	var peak atomic.Int64
	sampling, stopSampling := context.WithCancel(ctx)
	var sampler sync.WaitGroup
	sampler.Go(func() {
		ticker := time.NewTicker(200 * time.Millisecond)
		defer ticker.Stop()
		for {
			if kb := f.rss(); kb > peak.Load() {
				peak.Store(kb)
			}
			select {
			case <-sampling.Done():
				return
			case <-ticker.C:
			}
		}
	})
	data := strconv.Quote(strings.Repeat("x", f.floodKB<<10))
	run := runID()
	start := time.Now()
	var wg sync.WaitGroup
	var echoed, received, refused, dialRefused, closed atomic.Int64
	for i := range f.floodConns {
		wg.Go(func() {
			conn, err := d.dial(ctx, fmt.Sprintf("flood-%s-%d", run, i), fmt.Sprintf("flooder-%d", i))
			if err != nil {
				dialRefused.Add(1)
				return
			}
			defer conn.CloseNow()
			conn.SetReadLimit(1 << 20)
			// A broadcast server sends each frame back as it came: this
			// connection's own start with its id prefix.
			own := []byte(fmt.Sprintf(`{"type":"pub","id":"f%d-`, i))
			readDone := make(chan struct{})
			go func() {
				defer close(readDone)
				got := 0
				for got < f.floodMsgs {
					_, frame, err := conn.Read(ctx)
					if err != nil {
						if websocket.CloseStatus(err) != -1 {
							closed.Add(1)
						}
						return
					}
					if f.common.proto == protoRaw {
						received.Add(1)
						if bytes.HasPrefix(frame, own) {
							echoed.Add(1)
							got++
						}
						continue
					}
					for _, line := range strings.Split(string(frame), "\n") {
						switch {
						case strings.HasPrefix(line, `{"type":"msg"`):
							received.Add(1)
							echoed.Add(1)
							got++
						case strings.HasPrefix(line, `{"type":"error"`):
							refused.Add(1)
							got++
						}
					}
				}
			}()
			interval := time.Duration(float64(time.Second) / f.floodRate)
			ticker := time.NewTicker(interval)
			defer ticker.Stop()
			for j := range f.floodMsgs {
				frame := fmt.Sprintf(`{"type":"pub","id":"f%d-%d","data":%s}`, i, j, data)
				if err := conn.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
					break
				}
				select {
				case <-ticker.C:
				case <-ctx.Done():
					return
				}
			}
			select {
			case <-readDone:
			case <-time.After(10 * time.Second):
			}
			_ = conn.Close(websocket.StatusNormalClosure, "")
		})
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	res.PublishedMB = float64(f.floodConns*f.floodMsgs*f.floodKB) / 1024
	res.Echoed, res.Received, res.Refused = echoed.Load(), received.Load(), refused.Load()
	res.DialRefused, res.Closed = dialRefused.Load(), closed.Load()
	select {
	case <-time.After(f.settle):
	case <-ctx.Done():
	}
	stopSampling()
	sampler.Wait()
	res.RSSPeakKB = peak.Load()
	res.RSSAfterKB = f.rss()
	res.HistoryBytes = f.metric(ctx, "relay_history_bytes")
	res.HistoryEvictions = f.metric(ctx, "relay_history_evictions_total")
	res.Rooms = f.metric(ctx, "relay_rooms")
	return res, nil
}

func manyRooms(ctx context.Context, d *dialer, f *abuseFlags) (*roomsResult, error) {
	res := &roomsResult{}
	run := runID()
	start := time.Now()
	var created atomic.Int64
	var refusal atomic.Pointer[string]
	err := dialAll(ctx, f.roomsTry, f.common.dialConcurrency, func(ctx context.Context, i int) error {
		if refusal.Load() != nil {
			return nil
		}
		conn, err := d.dial(ctx, fmt.Sprintf("room-%s-%d", run, i), "creator")
		if err != nil {
			msg := err.Error()
			refusal.CompareAndSwap(nil, &msg)
			return nil
		}
		defer conn.CloseNow()
		if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"pub","id":"1","data":1}`)); err != nil {
			return nil
		}
		if _, _, err := conn.Read(ctx); err == nil {
			created.Add(1)
		}
		_ = conn.Close(websocket.StatusNormalClosure, "")
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		return nil, err
	}
	res.Created = int(created.Load())
	if r := refusal.Load(); r != nil {
		res.FirstRefusal = *r
	}
	res.Seconds = time.Since(start).Seconds()
	res.RSSAfterKB = f.rss()
	res.Rooms = f.metric(ctx, "relay_rooms")
	return res, nil
}

func slowHeader(ctx context.Context, f *abuseFlags) (*slowResult, error) {
	u, err := url.Parse(f.common.urls()[0])
	if err != nil {
		return nil, err
	}
	res := &slowResult{Conns: f.slowConns}
	start := time.Now()
	var mu sync.Mutex
	var closedAfter []time.Duration
	var wg sync.WaitGroup
	var opened atomic.Int64
	dialer := net.Dialer{Timeout: f.common.dialTimeout}
	for range f.slowConns {
		wg.Go(func() {
			conn, err := dialer.DialContext(ctx, "tcp", u.Host)
			if err != nil {
				return
			}
			defer conn.Close()
			opened.Add(1)
			// Half a header: the request line and one field, never the blank line.
			if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n", u.Path, u.Host); err != nil {
				return
			}
			_ = conn.SetReadDeadline(start.Add(f.slowWait))
			if _, err := conn.Read(make([]byte, 512)); err != nil && !errors.Is(err, ctx.Err()) {
				var netErr net.Error
				if errors.As(err, &netErr) && netErr.Timeout() {
					return // still open when we stopped waiting
				}
			}
			mu.Lock()
			closedAfter = append(closedAfter, time.Since(start))
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Opened = int(opened.Load())
	res.Closed = len(closedAfter)
	res.StillOpen = res.Opened - res.Closed
	res.Waited = time.Since(start).Seconds()
	if len(closedAfter) > 0 {
		slices.Sort(closedAfter)
		res.MedianCloseSec = closedAfter[len(closedAfter)/2].Seconds()
		res.MaxCloseSec = closedAfter[len(closedAfter)-1].Seconds()
	}
	return res, nil
}

func printAbuse(w io.Writer, r abuseResult) {
	fmt.Fprintf(w, "abuse against %s\n", r.URL)
	if fl := r.Flood; fl != nil {
		fmt.Fprintf(w, "flood: %d conns × %d msgs × %d KB at %.1f/s = %.0f MB in %.1fs; echoed %d, received %d, refused frames %d, dials refused %d, closed by server %d\n",
			fl.Conns, fl.MsgsPerConn, fl.KB, fl.Rate, fl.PublishedMB, fl.Seconds, fl.Echoed, fl.Received, fl.Refused, fl.DialRefused, fl.Closed)
		fmt.Fprintf(w, "       RSS before %d KB, peak %d KB, after %d KB; relay_history_bytes %s, relay_history_evictions_total %s, relay_rooms %s\n",
			fl.RSSBeforeKB, fl.RSSPeakKB, fl.RSSAfterKB, fl.HistoryBytes, fl.HistoryEvictions, fl.Rooms)
	}
	if ro := r.Rooms; ro != nil {
		refusal := ro.FirstRefusal
		if refusal == "" {
			refusal = "none"
		}
		fmt.Fprintf(w, "rooms: %d created in %.1fs, first refusal: %s; RSS after %d KB, relay_rooms %s\n",
			ro.Created, ro.Seconds, refusal, ro.RSSAfterKB, ro.Rooms)
	}
	if s := r.Slow; s != nil {
		fmt.Fprintf(w, "slowheader: %d opened, %d closed by the server (median %.1fs, max %.1fs), %d still open after %.1fs\n",
			s.Opened, s.Closed, s.MedianCloseSec, s.MaxCloseSec, s.StillOpen, s.Waited)
	}
}
