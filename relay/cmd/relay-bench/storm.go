package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the storm command.
const (
	DefaultStormConns = 1000
	// DefaultBackoffMin and DefaultBackoffMax bound the clients' reconnect
	// delay: full jitter, a random wait in [0, min(max, min×2^attempt)).
	DefaultBackoffMin = 250 * time.Millisecond
	DefaultBackoffMax = 8 * time.Second
	// DefaultStormTimeout bounds each phase: connecting, and getting back.
	DefaultStormTimeout = 60 * time.Second
)

const stormUsage = `Usage: relay-bench storm -server "CMD ARGS…" [flags]

Starts the server itself (-server, split on spaces; it must listen on -url's
host; it inherits the tool's environment), opens -n connections (chat: in
rooms of -room-size), then restarts the server: SIGTERM (the relay closes
every connection with 1001), wait for the exit, start it again. Every client reconnects with jittered exponential
backoff. Reports the shutdown time, the time until every client is back
(chat: welcome received; raw: upgraded) counted from the new server's start, the failed dials, and
the new server's peak RSS (VmHWM). A relay under storm needs
-max-conns-per-ip 0 -handshakes-per-ip 0: every client is on 127.0.0.1.

Flags:
`

// stormResult is the report of the storm command.
type stormResult struct {
	Command          string  `json:"command"`
	Proto            string  `json:"proto"`
	URL              string  `json:"url"`
	Server           string  `json:"server"`
	Conns            int     `json:"conns"`
	CappedByFDs      bool    `json:"capped_by_fd_limit"`
	RoomSize         int     `json:"room_size"`
	BackoffMinMS     int64   `json:"backoff_min_ms"`
	BackoffMaxMS     int64   `json:"backoff_max_ms"`
	ConnectSeconds   float64 `json:"connect_seconds"`
	FirstPeakRSSKB   int64   `json:"first_peak_rss_kb"`
	ShutdownSeconds  float64 `json:"shutdown_seconds"`
	AllBack          bool    `json:"all_back"`
	Back             int64   `json:"back"`
	AllBackSeconds   float64 `json:"all_back_seconds"` // from the new server's start
	FailedDials      int64   `json:"failed_dials"`
	RestartPeakRSSKB int64   `json:"restart_peak_rss_kb"`
	RestartRSSKB     int64   `json:"restart_rss_kb"`
}

// stormState counts the clients of a storm.
type stormState struct {
	n           int64
	connected   atomic.Int64 // first connections
	back        atomic.Int64 // clients connected again after losing the connection
	failedDials atomic.Int64
	allUp       chan struct{}
	allBack     chan struct{}
	upOnce      sync.Once
	backOnce    sync.Once
}

func runStorm(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		common     commonFlags
		server     string
		n          int
		roomSize   int
		backoffMin time.Duration
		backoffMax time.Duration
		timeout    time.Duration
	)
	fs := newFlagSet("storm", stderr, stormUsage)
	common.register(fs)
	fs.StringVar(&server, "server", "", "server command line to start and restart (required)")
	fs.IntVar(&n, "n", DefaultStormConns, "clients")
	fs.IntVar(&roomSize, "room-size", DefaultIdleRoomSize, "members per room")
	fs.DurationVar(&backoffMin, "backoff-min", DefaultBackoffMin, "reconnect backoff base")
	fs.DurationVar(&backoffMax, "backoff-max", DefaultBackoffMax, "reconnect backoff cap")
	fs.DurationVar(&timeout, "timeout", DefaultStormTimeout, "bound of each phase (connecting, getting back)")
	if err := parse(fs, args, &common); err != nil {
		return err
	}
	if server == "" {
		return errors.New("storm needs -server: the command that starts the server")
	}
	if len(common.urls()) != 1 || len(common.pids) > 0 {
		return errors.New("storm takes one -url and no -pid: it starts and restarts that one server itself")
	}
	if n < 1 || roomSize < 1 || backoffMin <= 0 || backoffMax < backoffMin {
		return errors.New("want -n, -room-size ≥ 1 and 0 < -backoff-min ≤ -backoff-max")
	}
	res := stormResult{Command: "storm", Proto: common.proto, URL: common.url, Server: server, RoomSize: roomSize,
		BackoffMinMS: backoffMin.Milliseconds(), BackoffMaxMS: backoffMax.Milliseconds()}
	fdMax, err := raiseFileLimit() // the server inherits the raised limit
	if err != nil {
		return err
	}
	if n > fdMax {
		fmt.Fprintf(stderr, "relay-bench: the open-files limit (%d) caps -n %d to %d clients\n", fdMax+fdReserve, n, fdMax)
		n, res.CappedByFDs = fdMax, true
	}
	res.Conns = n
	d, err := newDialer(&common)
	if err != nil {
		return err
	}
	argv := strings.Fields(server)
	proc, err := startServer(ctx, argv, common.url, stderr)
	if err != nil {
		return err
	}

	st := &stormState{n: int64(n), allUp: make(chan struct{}), allBack: make(chan struct{})}
	clientCtx, stopClients := context.WithCancel(ctx)
	var clients sync.WaitGroup
	defer func() { stopClients(); clients.Wait() }()
	// Runs first: the server closes every client with 1001 before the
	// clients stop, so the relay does not log their resets as failures.
	defer func() { proc.stop() }()
	firstDials := make(chan struct{}, common.dialConcurrency)
	runID := fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff)
	start := time.Now()
	for i := range n {
		clients.Add(1)
		go func() {
			defer clients.Done()
			c := stormClient{dialer: d, state: st, room: fmt.Sprintf("storm-%s-%d", runID, i/roomSize),
				cid: fmt.Sprintf("storm-%d", i), backoffMin: backoffMin, backoffMax: backoffMax}
			c.run(clientCtx, firstDials)
		}()
	}
	if err := waitPhase(ctx, st.allUp, timeout, func() string {
		return fmt.Sprintf("%d of %d connected", st.connected.Load(), n)
	}); err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	res.ConnectSeconds = time.Since(start).Seconds()
	if res.FirstPeakRSSKB, err = procStatusKB(proc.pid(), "VmHWM"); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "relay-bench: %d clients connected in %.1fs; restarting the server\n", n, res.ConnectSeconds)

	res.ShutdownSeconds = proc.stop().Seconds()
	if proc, err = startServer(ctx, argv, common.url, stderr); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	restarted := time.Now()
	err = waitPhase(ctx, st.allBack, timeout, func() string {
		return fmt.Sprintf("%d of %d back", st.back.Load(), n)
	})
	res.AllBackSeconds = time.Since(restarted).Seconds()
	res.AllBack = err == nil
	res.Back = st.back.Load()
	res.FailedDials = st.failedDials.Load()
	if res.RestartPeakRSSKB, err = procStatusKB(proc.pid(), "VmHWM"); err != nil {
		return err
	}
	if res.RestartRSSKB, err = procStatusKB(proc.pid(), "VmRSS"); err != nil {
		return err
	}
	return report(stdout, common.jsonOut, res, stormText)
}

// waitPhase waits for done, at most timeout; status explains a timeout.
func waitPhase(ctx context.Context, done <-chan struct{}, timeout time.Duration, status func() string) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case <-timer.C:
		return fmt.Errorf("after %v: %s", timeout, status())
	case <-ctx.Done():
		return ctx.Err()
	}
}

func stormText(w io.Writer, r stormResult) {
	fmt.Fprintf(w, "storm %s %s\n", r.Proto, r.URL)
	fmt.Fprintf(w, "  server             %s\n", r.Server)
	fmt.Fprintf(w, "  clients            %d", r.Conns)
	if r.Proto == protoChat {
		fmt.Fprintf(w, " in rooms of %d", r.RoomSize)
	}
	if r.CappedByFDs {
		fmt.Fprint(w, " (capped by the open-files limit)")
	}
	fmt.Fprintf(w, "\n  backoff            full jitter, %d ms .. %d ms\n", r.BackoffMinMS, r.BackoffMaxMS)
	fmt.Fprintf(w, "  first connect      %.2fs, server peak RSS %d kB\n", r.ConnectSeconds, r.FirstPeakRSSKB)
	fmt.Fprintf(w, "  shutdown           %.2fs (SIGTERM to exit)\n", r.ShutdownSeconds)
	if r.AllBack {
		fmt.Fprintf(w, "  all back after     %.2fs from the restart\n", r.AllBackSeconds)
	} else {
		fmt.Fprintf(w, "  NOT all back       %d of %d after %.2fs\n", r.Back, r.Conns, r.AllBackSeconds)
	}
	fmt.Fprintf(w, "  failed dials       %d\n", r.FailedDials)
	fmt.Fprintf(w, "  restarted server   RSS %d kB, peak %d kB\n", r.RestartRSSKB, r.RestartPeakRSSKB)
}

// stormClient is one client that stays connected, reconnecting with
// jittered exponential backoff, like the PWA.
type stormClient struct {
	dialer                 *dialer
	state                  *stormState
	room, cid              string
	backoffMin, backoffMax time.Duration
}

// run connects (the first dial holds a slot of firstDials, so the initial
// connect is not itself a storm) and reconnects until ctx ends.
func (c *stormClient) run(ctx context.Context, firstDials chan struct{}) {
	select {
	case firstDials <- struct{}{}:
	case <-ctx.Done():
		return
	}
	first, lost := true, false
	attempt := 0
	for ctx.Err() == nil {
		conn, err := c.dialer.dial(ctx, c.room, c.cid)
		if first {
			<-firstDials
			first = false
		}
		if err != nil {
			c.state.failedDials.Add(1)
			attempt++
			if !sleepCtx(ctx, c.backoff(attempt)) {
				return
			}
			continue
		}
		attempt = 0
		switch {
		case lost:
			if c.state.back.Add(1) == c.state.n {
				c.state.backOnce.Do(func() { close(c.state.allBack) })
			}
		default:
			if c.state.connected.Add(1) == c.state.n {
				c.state.upOnce.Do(func() { close(c.state.allUp) })
			}
		}
		stop := context.AfterFunc(ctx, func() { _ = conn.CloseNow() })
		discard(conn, c.dialer.proto)
		stop()
		_ = conn.CloseNow()
		if lost {
			return // measured once: a second loss is not part of this storm
		}
		lost = true
		if !sleepCtx(ctx, c.backoff(0)) {
			return
		}
	}
}

// backoff is a full-jitter delay: random in [0, min(max, min×2^attempt)).
func (c *stormClient) backoff(attempt int) time.Duration {
	ceiling := c.backoffMax
	if attempt < 20 {
		ceiling = min(c.backoffMax, c.backoffMin<<attempt)
	}
	return rand.N(ceiling) + time.Millisecond
}

// sleepCtx waits d and reports whether ctx is still alive.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
