package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// Defaults of the idle command.
const (
	DefaultIdleConns = 1000
	// DefaultIdleRoomSize puts connections in rooms of 10: a realistic
	// shape, and it keeps the join announcements linear in N (one room of
	// 15000 would fan out 15000²/2 joins while connecting).
	DefaultIdleRoomSize = 10
	// DefaultSettle is how long the server gets, once every connection is
	// open, before its RSS is read: its allocator and GC catch up.
	DefaultSettle = 3 * time.Second
)

const idleUsage = `Usage: relay-bench idle [flags]

Opens -n connections that stay idle (they answer pings and read what the
server sends) and reports the server's RSS growth per connection, read from
/proc/PID/status (VmRSS) before the first dial and -settle after the last.
With -rooms-per-conn K (chat) each connection is in K rooms: its first
room, and K-1 more joined with sub frames (extension "many rooms"), drawn
from the same pool of n/room-size rooms, so the rooms are those of K=1 with
K times the members. Compare K=1 and K=8 for what a person's rooms cost.
The tool raises its own open-files limit to the hard limit and says when that
caps -n; the server's limit is its own (start it with ulimit -n).

Flags:
`

// idleResult is the report of the idle command.
type idleResult struct {
	Command        string  `json:"command"`
	Proto          string  `json:"proto"`
	URL            string  `json:"url"`
	Requested      int     `json:"requested"`
	Conns          int     `json:"conns"`
	CappedByFDs    bool    `json:"capped_by_fd_limit"`
	FDLimit        int     `json:"fd_limit"`
	RoomSize       int     `json:"room_size,omitempty"`
	RoomsPerConn   int     `json:"rooms_per_conn,omitempty"`
	DialSeconds    float64 `json:"dial_seconds"`
	RSSBeforeKB    int64   `json:"rss_before_kb,omitempty"`
	RSSAfterKB     int64   `json:"rss_after_kb,omitempty"`
	RSSPeakKB      int64   `json:"rss_peak_kb,omitempty"`
	RSSPerConnKB   float64 `json:"rss_per_conn_kb,omitempty"`
	MemoryMeasured bool    `json:"memory_measured"`
}

func runIdle(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		common   commonFlags
		n        int
		roomSize int
		perConn  int
		settle   time.Duration
		hold     time.Duration
	)
	fs := newFlagSet("idle", stderr, idleUsage)
	common.register(fs)
	fs.IntVar(&n, "n", DefaultIdleConns, "connections to open")
	fs.IntVar(&roomSize, "room-size", DefaultIdleRoomSize, "chat: members per room")
	fs.IntVar(&perConn, "rooms-per-conn", 1, "chat: rooms each connection is in, the first from the URL and the others by sub frames")
	fs.DurationVar(&settle, "settle", DefaultSettle, "wait after the last dial before reading RSS")
	fs.DurationVar(&hold, "hold", 0, "keep the connections open this long after measuring (e.g. to inspect the server)")
	if err := parse(fs, args, &common); err != nil {
		return err
	}
	if n < 1 || roomSize < 1 || perConn < 1 {
		return fmt.Errorf("-n, -room-size and -rooms-per-conn must be at least 1")
	}
	if perConn > 1 && common.proto != protoChat {
		return fmt.Errorf("-rooms-per-conn needs -proto chat")
	}
	res := idleResult{Command: "idle", Proto: common.proto, URL: common.url, Requested: n}
	if common.proto != protoRaw {
		res.RoomSize = roomSize
		res.RoomsPerConn = perConn
	}
	fdMax, err := raiseFileLimit()
	if err != nil {
		return err
	}
	res.FDLimit = fdMax + fdReserve
	if n > fdMax {
		fmt.Fprintf(stderr, "relay-bench: the open-files limit (%d, hard) caps -n %d to %d connections\n", res.FDLimit, n, fdMax)
		n, res.CappedByFDs = fdMax, true
	}
	d, err := newDialer(&common)
	if err != nil {
		return err
	}
	if len(common.pids) > 0 {
		if res.RSSBeforeKB, err = sumStatusKB(common.pids, "VmRSS"); err != nil {
			return err
		}
	}

	conns := make([]*websocket.Conn, n)
	var readers sync.WaitGroup
	defer func() {
		for _, c := range conns {
			if c != nil {
				_ = c.CloseNow()
			}
		}
		readers.Wait()
	}()
	runID := fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff)
	start := time.Now()
	err = dialAll(ctx, n, common.dialConcurrency, func(ctx context.Context, i int) error {
		pool := (n + roomSize - 1) / roomSize
		roomName := func(j int) string { return fmt.Sprintf("idle-%s-%d", runID, (i/roomSize+j)%pool) }
		c, err := d.dial(ctx, roomName(0), fmt.Sprintf("idle-%d", i))
		if err != nil {
			return err
		}
		conns[i] = c
		if err := subscribeMore(ctx, c, perConn-1, roomName); err != nil {
			return err
		}
		readers.Add(1)
		go func() { defer readers.Done(); discard(c, common.proto) }()
		return nil
	})
	res.DialSeconds = time.Since(start).Seconds()
	if err != nil {
		return fmt.Errorf("opening %d connections: %w", n, err)
	}
	res.Conns = n
	fmt.Fprintf(stderr, "relay-bench: %d connections open in %.1fs; settling %v\n", n, res.DialSeconds, settle)
	select {
	case <-time.After(settle):
	case <-ctx.Done():
		return ctx.Err()
	}
	if len(common.pids) > 0 {
		if res.RSSAfterKB, err = sumStatusKB(common.pids, "VmRSS"); err != nil {
			return err
		}
		if res.RSSPeakKB, err = sumStatusKB(common.pids, "VmHWM"); err != nil {
			return err
		}
		res.MemoryMeasured = true
		res.RSSPerConnKB = float64(res.RSSAfterKB-res.RSSBeforeKB) / float64(n)
	}
	if err := report(stdout, common.jsonOut, res, idleText); err != nil {
		return err
	}
	if hold > 0 {
		select {
		case <-time.After(hold):
		case <-ctx.Done():
		}
	}
	return nil
}

func idleText(w io.Writer, r idleResult) {
	fmt.Fprintf(w, "idle %s %s\n", r.Proto, r.URL)
	fmt.Fprintf(w, "  connections        %d of %d requested", r.Conns, r.Requested)
	if r.CappedByFDs {
		fmt.Fprintf(w, " (capped by the open-files limit %d)", r.FDLimit)
	}
	fmt.Fprintln(w)
	if r.RoomSize > 0 {
		fmt.Fprintf(w, "  room size          %d\n", r.RoomSize)
	}
	if r.RoomsPerConn > 1 {
		fmt.Fprintf(w, "  rooms per conn     %d (%d members per room)\n", r.RoomsPerConn, r.RoomsPerConn*r.RoomSize)
	}
	fmt.Fprintf(w, "  dial time          %.2fs (%.0f conns/s)\n", r.DialSeconds, float64(r.Conns)/r.DialSeconds)
	if !r.MemoryMeasured {
		fmt.Fprintln(w, "  server memory      not measured (no -pid)")
		return
	}
	fmt.Fprintf(w, "  server RSS         %d kB -> %d kB (peak %d kB)\n", r.RSSBeforeKB, r.RSSAfterKB, r.RSSPeakKB)
	fmt.Fprintf(w, "  RSS per connection %.2f kB\n", r.RSSPerConnKB)
}

// subscribeMore joins c to extra more rooms, room(1) to room(extra), with
// sub frames, and waits for their welcomes (dropping what else arrives).
func subscribeMore(ctx context.Context, c *websocket.Conn, extra int, room func(j int) string) error {
	for j := 1; j <= extra; j++ {
		frame, _ := json.Marshal(wire.ClientFrame{Type: wire.TypeSub, Room: room(j)})
		if err := c.Write(ctx, websocket.MessageText, frame); err != nil {
			return fmt.Errorf("sub: %w", err)
		}
	}
	for welcomes := 0; welcomes < extra; {
		_, data, err := c.Read(ctx)
		if err != nil {
			return fmt.Errorf("waiting for the welcomes of subs: %w", err)
		}
		err = wire.Split(data, func(object []byte) error {
			var f wire.ServerFrame
			if err := json.Unmarshal(object, &f); err != nil {
				return err
			}
			switch f.Type {
			case wire.TypeWelcome:
				welcomes++
			case wire.TypeError:
				return fmt.Errorf("sub refused: %s %s", f.Code, f.Text)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// discard reads and drops every frame until the connection ends: reading is
// what answers the server's pings (Socket.IO's are frames the client must
// answer), and an idle member must not fill its queue.
func discard(c *websocket.Conn, proto string) {
	var buf bytes.Buffer
	for {
		_, r, err := c.Reader(context.Background())
		if err != nil {
			return
		}
		if proto != protoSocketIO {
			if _, err := io.Copy(io.Discard, r); err != nil {
				return
			}
			continue
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return
		}
		answerSocketIOPing(c, buf.Bytes())
	}
}
