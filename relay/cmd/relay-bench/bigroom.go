package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// Defaults of the bigroom command.
const (
	DefaultBigroomMembers = 1000
	// DefaultBigroomSettle is how long the full room is held, publishing,
	// before the server's RSS is read: long enough for several coalesced
	// presence flushes (one per second) and the relay's memory trim.
	DefaultBigroomSettle = 5 * time.Second
	// DefaultBigroomPublishEvery paces the messages one member publishes
	// while the room settles: they prove the members are live, not just
	// connected, without loading the room.
	DefaultBigroomPublishEvery = time.Second
	// DefaultBigroomDrain bounds the wait, after the settle, for the last
	// messages to reach every member.
	DefaultBigroomDrain = 10 * time.Second
	// DefaultBigroomTimeout bounds filling the room and getting it back.
	DefaultBigroomTimeout = 2 * time.Minute
)

const bigroomUsage = `Usage: relay-bench bigroom [flags]

Fills ONE room with -n members (every member reads everything and answers
pings), holds it for -settle while member 0 publishes one message every
-publish-every, then checks that every member got every message and counts
the members the server closed (by close code): a member closed by the
server is a drop, and stays out. Reports the time to fill, the server's RSS
before and after and per member, and the members whose last presence count
is the room's size.

With -storm it then restarts the server(s) of -server: SIGTERM (the relay
closes everyone with 1001), wait for the exit, start again. Every member
reconnects as the PWA does, with since= and epoch= and full-jitter backoff,
and the same settle, publishing and counts follow: the time until all are
back, the failed dials, the drops after coming back.

-server starts the servers itself (chat only): one command per -url,
separated by ";" (split on spaces), and their pids are measured. Without
-server, give -pid to measure a server started elsewhere. Members go
round-robin over the -url list and each stays on its relay.
Start the relay with -max-conns-per-ip 0 -handshakes-per-ip 0 (every member
is on 127.0.0.x), and -max-conns above -n if -n is over 10000.

Flags:
`

// bigroomPhase is what one phase (the fill, or the return after the
// restart) measured.
type bigroomPhase struct {
	// Seconds is the time until every member was in: from the first dial
	// for the fill, from the start of the new server processes for the
	// storm.
	Seconds     float64 `json:"seconds"`
	Expected    int64   `json:"expected"` // members that had to come in
	In          int64   `json:"in"`       // members that came in
	AllIn       bool    `json:"all_in"`
	FailedDials int64   `json:"failed_dials"`
	// LateWelcomes are failed dials whose welcome came as the dial timeout
	// (-dial-timeout) expired: the handshakes queued that long.
	LateWelcomes int64 `json:"late_welcomes"`
	// Drops are members the server closed during this phase, by close
	// code ("none": the connection ended without a close frame).
	Drops     int64          `json:"drops"`
	DropCodes map[string]int `json:"drop_codes,omitempty"`
	// DropReasons holds one close reason per code, to tell a slow
	// consumer from anything else that shares its code ("none": the read
	// error).
	DropReasons map[string]string `json:"drop_reasons,omitempty"`
	Published   uint64            `json:"published"`
	PublishErrs int64             `json:"publish_errors"`
	// Missed is how many members still in the room lack at least one
	// message published so far, after the drain.
	Missed     int64 `json:"members_missing_messages"`
	Duplicates int64 `json:"duplicates"`
	// PresenceAgreed is how many members still in the room last heard a
	// count equal to the room's size (welcome or presence).
	PresenceAgreed int64   `json:"presence_agreed"`
	ErrorFrames    int64   `json:"error_frames"`
	RSSKB          int64   `json:"rss_kb,omitempty"`
	PeakRSSKB      int64   `json:"peak_rss_kb,omitempty"`
	RSSPerMemberKB float64 `json:"rss_per_member_kb,omitempty"`
}

// bigroomResult is the report of the bigroom command.
type bigroomResult struct {
	Command         string        `json:"command"`
	URL             string        `json:"url"`
	Relays          int           `json:"relays"`
	Server          string        `json:"server,omitempty"`
	Members         int           `json:"members"`
	CappedByFDs     bool          `json:"capped_by_fd_limit"`
	DialConcurrency int           `json:"dial_concurrency"`
	Sources         int           `json:"sources"`
	SettleSeconds   float64       `json:"settle_seconds"`
	BackoffMinMS    int64         `json:"backoff_min_ms"`
	BackoffMaxMS    int64         `json:"backoff_max_ms"`
	MemoryMeasured  bool          `json:"memory_measured"`
	RSSBeforeKB     int64         `json:"rss_before_kb,omitempty"`
	Fill            bigroomPhase  `json:"fill"`
	Storm           *bigroomPhase `json:"storm,omitempty"`
	ShutdownSeconds float64       `json:"shutdown_seconds,omitempty"`
	// BytesPerMember is what one member read on average over the whole
	// run: presence and messages, the welcome included.
	BytesPerMember float64 `json:"bytes_per_member"`
}

// Phases of a bigroom run, which decide what the end of a connection means.
const (
	phaseFill    = iota // an end is a drop
	phaseRestart        // a first connection's end is the restart; a later one a drop
	phaseDone           // the tool is stopping: nothing counts
)

// bigroomState is what the members of a run share.
type bigroomState struct {
	n int64

	mu        sync.Mutex // guards phase and the drop tables
	phase     int
	drops     [2]map[string]int    // per generation of connection: first, after the restart
	reasons   [2]map[string]string // one close reason per code
	dropCount [2]atomic.Int64

	connected   atomic.Int64 // first connections
	back        atomic.Int64 // connections again after the restart
	backWanted  atomic.Int64 // members in the room when it restarted
	failedDials [2]atomic.Int64
	// lateWelcomes are failed dials whose welcome arrived just as the
	// dial timeout expired.
	lateWelcomes [2]atomic.Int64
	errorFrames  atomic.Int64
	bytes        atomic.Int64
	published    atomic.Uint64 // messages member 0 got through
	allUp        chan struct{}
	allBack      chan struct{}
	upOnce       sync.Once
	backOnce     sync.Once
}

func newBigroomState(n int) *bigroomState {
	st := &bigroomState{n: int64(n), allUp: make(chan struct{}), allBack: make(chan struct{})}
	for g := range st.drops {
		st.drops[g], st.reasons[g] = map[string]int{}, map[string]string{}
	}
	return st
}

// in counts a member's connection of generation gen (0 first, 1 after the
// restart) as established.
func (st *bigroomState) in(gen int) {
	if gen == 0 {
		if st.connected.Add(1) == st.n {
			st.upOnce.Do(func() { close(st.allUp) })
		}
		return
	}
	if st.back.Add(1) == st.backWanted.Load() {
		st.backOnce.Do(func() { close(st.allBack) })
	}
}

// ended classifies the end of a member's connection of generation gen,
// whose read failed with err: it reports whether the member reconnects.
// Under the lock, so that a drop and the start of the restart never race.
func (st *bigroomState) ended(gen int, err error) (reconnect bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.phase == phaseDone:
		return false
	case st.phase == phaseRestart && gen == 0:
		return true
	}
	// Without a close frame, the error says what ended the connection (a
	// reset, EOF): the relay ends a ping or write timeout that way.
	code, reason := "none", fmt.Sprint(err)
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		code, reason = strconv.Itoa(int(ce.Code)), ce.Reason
	}
	st.drops[gen][code]++
	if _, ok := st.reasons[gen][code]; !ok {
		st.reasons[gen][code] = reason
	}
	st.dropCount[gen].Add(1)
	return false
}

// restart starts the restart phase: from now on a first connection's end
// is expected, and every member still in must come back.
func (st *bigroomState) restart() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.phase = phaseRestart
	st.backWanted.Store(st.n - st.dropCount[0].Load())
	if st.backWanted.Load() == 0 {
		st.backOnce.Do(func() { close(st.allBack) })
	}
}

// done ends the run: connections that end now are the tool's doing.
func (st *bigroomState) done() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.phase = phaseDone
}

// dropTables copies the drop counts and reasons of generation gen.
func (st *bigroomState) dropTables(gen int) (map[string]int, map[string]string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	codes, reasons := map[string]int{}, map[string]string{}
	for k, v := range st.drops[gen] {
		codes[k] = v
	}
	for k, v := range st.reasons[gen] {
		reasons[k] = v
	}
	return codes, reasons
}

func runBigroom(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		common       commonFlags
		n            int
		settle       time.Duration
		publishEvery time.Duration
		drain        time.Duration
		storm        bool
		servers      string
		backoffMin   time.Duration
		backoffMax   time.Duration
		timeout      time.Duration
	)
	fs := newFlagSet("bigroom", stderr, bigroomUsage)
	common.register(fs)
	fs.IntVar(&n, "n", DefaultBigroomMembers, "members of the room")
	fs.DurationVar(&settle, "settle", DefaultBigroomSettle, "hold the full room this long, publishing, before reading RSS")
	fs.DurationVar(&publishEvery, "publish-every", DefaultBigroomPublishEvery, "member 0 publishes one message this often during the settle")
	fs.DurationVar(&drain, "drain", DefaultBigroomDrain, "after the settle, wait at most this long for every member to get every message")
	fs.BoolVar(&storm, "storm", false, "then restart the server(s) of -server and measure the members' return")
	fs.StringVar(&servers, "server", "", `commands that start the servers, one per -url, separated by ";" (the tool starts them and reads their pids)`)
	fs.DurationVar(&backoffMin, "backoff-min", DefaultBackoffMin, "reconnect backoff base")
	fs.DurationVar(&backoffMax, "backoff-max", DefaultBackoffMax, "reconnect backoff cap")
	fs.DurationVar(&timeout, "timeout", DefaultBigroomTimeout, "bound of filling the room, and of getting it back")
	if err := parse(fs, args, &common); err != nil {
		return err
	}
	if common.proto != protoChat {
		return errors.New("bigroom speaks chat only: it follows seqs, epochs and presence counts")
	}
	if n < 1 || settle <= 0 || publishEvery <= 0 || backoffMin <= 0 || backoffMax < backoffMin {
		return errors.New("want -n ≥ 1, -settle and -publish-every > 0 and 0 < -backoff-min ≤ -backoff-max")
	}
	var argvs [][]string
	if servers != "" {
		for _, cmd := range strings.Split(servers, ";") {
			argvs = append(argvs, strings.Fields(cmd))
		}
		if len(argvs) != len(common.urls()) || len(common.pids) > 0 {
			return fmt.Errorf("-server has %d commands for %d -url: want one per -url, and no -pid", len(argvs), len(common.urls()))
		}
	}
	if storm && argvs == nil {
		return errors.New("-storm needs -server: the tool restarts the servers itself")
	}
	// The servers' logs and this tool's progress share stderr.
	stderr = &syncWriter{w: stderr}
	res := bigroomResult{Command: "bigroom", URL: common.url, Relays: len(common.urls()), Server: servers,
		DialConcurrency: common.dialConcurrency, Sources: common.sources, SettleSeconds: settle.Seconds(),
		BackoffMinMS: backoffMin.Milliseconds(), BackoffMaxMS: backoffMax.Milliseconds()}
	fdMax, err := raiseFileLimit() // servers started here inherit the raised limit
	if err != nil {
		return err
	}
	if n > fdMax {
		fmt.Fprintf(stderr, "relay-bench: the open-files limit (%d) caps -n %d to %d members\n", fdMax+fdReserve, n, fdMax)
		n, res.CappedByFDs = fdMax, true
	}
	res.Members = n
	d, err := newDialer(&common)
	if err != nil {
		return err
	}

	var procs []*serverProcess
	pids := func() []int {
		if procs == nil {
			return common.pids
		}
		ids := make([]int, len(procs))
		for i, p := range procs {
			ids[i] = p.pid()
		}
		return ids
	}
	if argvs != nil {
		if procs, err = startServers(ctx, argvs, common.urls(), stderr); err != nil {
			return err
		}
	}
	st := newBigroomState(n)
	memberCtx, stopMembers := context.WithCancel(ctx)
	var running sync.WaitGroup
	// Deferred in this order, they run backwards: the servers close every
	// member with 1001 first, so the relays do not log resets as failures.
	defer func() { stopMembers(); running.Wait() }()
	defer func() { stopServers(procs) }()
	defer st.done()

	res.MemoryMeasured = len(pids()) > 0
	if res.MemoryMeasured {
		if res.RSSBeforeKB, err = sumStatusKB(pids(), "VmRSS"); err != nil {
			return err
		}
	}
	members := make([]*bigMember, n)
	room := fmt.Sprintf("big-%x", time.Now().UnixNano()&0xffffff)
	firstDials := make(chan struct{}, common.dialConcurrency)
	start := time.Now()
	for i := range members {
		m := &bigMember{state: st, dialer: d, index: i, room: room, cid: fmt.Sprintf("big-%d", i),
			base: d.bases[i%len(d.bases)], backoffMin: backoffMin, backoffMax: backoffMax}
		members[i] = m
		running.Add(1)
		go func() { defer running.Done(); m.run(memberCtx, firstDials) }()
	}
	fmt.Fprintf(stderr, "relay-bench: filling one room with %d members over %d relay(s)\n", n, res.Relays)
	fill := &res.Fill
	fill.Expected = int64(n)
	err = waitPhase(ctx, st.allUp, timeout, func() string {
		return fmt.Sprintf("%d of %d in", st.connected.Load(), n)
	})
	fill.Seconds = time.Since(start).Seconds()
	fill.AllIn = err == nil
	fill.In = st.connected.Load()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	fmt.Fprintf(stderr, "relay-bench: %d of %d in after %.1fs; settling %v\n", fill.In, n, fill.Seconds, settle)
	if err := holdRoom(ctx, st, members, 0, settle, publishEvery, drain, fill); err != nil {
		return err
	}
	if res.MemoryMeasured {
		if err := readRoomMemory(pids(), res.RSSBeforeKB, n, fill); err != nil {
			return err
		}
	}

	if storm {
		fmt.Fprintf(stderr, "relay-bench: restarting %d server(s)\n", len(procs))
		st.restart()
		back := &bigroomPhase{Expected: st.backWanted.Load()}
		res.Storm = back
		res.ShutdownSeconds = stopServers(procs).Seconds()
		procs = nil
		// Counted from the start of the new processes, which are not probed
		// first: in the storm a probe's dial waits its turn behind thousands
		// of members' and outlives startServer's bound on a busy machine.
		// The members coming back are the proof the servers accept.
		restarted := time.Now()
		if procs, err = launchServers(argvs, stderr); err != nil {
			return fmt.Errorf("restart: %w", err)
		}
		err = waitPhase(ctx, st.allBack, timeout, func() string {
			return fmt.Sprintf("%d of %d back%s", st.back.Load(), back.Expected, exitedText(procs))
		})
		back.Seconds = time.Since(restarted).Seconds()
		back.AllIn = err == nil
		back.In = st.back.Load()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fmt.Fprintf(stderr, "relay-bench: %d of %d back after %.1fs; settling %v\n", back.In, back.Expected, back.Seconds, settle)
		if err := holdRoom(ctx, st, members, 1, settle, publishEvery, drain, back); err != nil {
			return err
		}
		if err := readRoomMemory(pids(), res.RSSBeforeKB, n, back); err != nil {
			return err
		}
	}
	res.BytesPerMember = float64(st.bytes.Load()) / float64(n)
	fill.FailedDials = st.failedDials[0].Load()
	fill.LateWelcomes = st.lateWelcomes[0].Load()
	fill.Drops = st.dropCount[0].Load()
	fill.DropCodes, fill.DropReasons = st.dropTables(0)
	if res.Storm != nil {
		res.Storm.FailedDials = st.failedDials[1].Load()
		res.Storm.LateWelcomes = st.lateWelcomes[1].Load()
		res.Storm.Drops = st.dropCount[1].Load()
		res.Storm.DropCodes, res.Storm.DropReasons = st.dropTables(1)
	}
	return report(stdout, common.jsonOut, res, bigroomText)
}

// holdRoom keeps the room for settle while member 0 publishes one message
// every publishEvery, waits at most drain for every member still in to get
// every message, and counts into ph what the members saw.
func holdRoom(ctx context.Context, st *bigroomState, members []*bigMember, gen int,
	settle, publishEvery, drain time.Duration, ph *bigroomPhase) error {
	publisher := members[0]
	tick := time.NewTicker(publishEvery)
	defer tick.Stop()
	end := time.NewTimer(settle)
	defer end.Stop()
	var frame []byte
	publish := func() {
		conn := publisher.conn.Load()
		if conn == nil || publisher.out.Load() {
			ph.PublishErrs++
			return
		}
		n := st.published.Load()
		frame = appendPub(frame[:0], 0, n, time.Now().UnixNano())
		wctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		defer cancel()
		if err := conn.Write(wctx, websocket.MessageText, frame); err != nil {
			ph.PublishErrs++
			return
		}
		st.published.Add(1)
	}
	publish()
hold:
	for {
		select {
		case <-tick.C:
			publish()
		case <-end.C:
			break hold
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	ph.Published = st.published.Load()
	// Polling, bounded: the messages are few, the members many, and a
	// member that never gets one is what this counts.
	deadline := time.NewTimer(drain)
	defer deadline.Stop()
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for missing(members, ph.Published) > 0 {
		select {
		case <-poll.C:
		case <-deadline.C:
			countRoom(st, members, gen, ph)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	countRoom(st, members, gen, ph)
	return nil
}

// missing counts the members still in that lack one of the first
// published messages.
func missing(members []*bigMember, published uint64) (n int64) {
	for _, m := range members {
		if !m.out.Load() && m.got.Load() < published {
			n++
		}
	}
	return n
}

// countRoom fills ph with what the members saw.
func countRoom(st *bigroomState, members []*bigMember, gen int, ph *bigroomPhase) {
	ph.Missed = missing(members, ph.Published)
	in := st.n - st.dropCount[0].Load()
	if gen == 1 {
		in -= st.dropCount[1].Load()
	}
	for _, m := range members {
		ph.Duplicates += m.duplicates.Load()
		if !m.out.Load() && m.count.Load() == in {
			ph.PresenceAgreed++
		}
	}
	ph.ErrorFrames = st.errorFrames.Load()
}

// readRoomMemory reads the servers' RSS into ph.
func readRoomMemory(pids []int, before int64, n int, ph *bigroomPhase) error {
	var err error
	if ph.RSSKB, err = sumStatusKB(pids, "VmRSS"); err != nil {
		return err
	}
	if ph.PeakRSSKB, err = sumStatusKB(pids, "VmHWM"); err != nil {
		return err
	}
	ph.RSSPerMemberKB = float64(ph.RSSKB-before) / float64(n)
	return nil
}

// startServers starts one server per argv at once, as a deploy would, and
// waits for each to accept on its URL. Started one after the other, the
// first relays would take the whole storm while the last ones start.
func startServers(ctx context.Context, argvs [][]string, urls []string, logs io.Writer) ([]*serverProcess, error) {
	procs := make([]*serverProcess, len(argvs))
	errs := make([]error, len(argvs))
	var wg sync.WaitGroup
	for i, argv := range argvs {
		wg.Go(func() {
			start := time.Now()
			if procs[i], errs[i] = startServer(ctx, argv, urls[i], logs); errs[i] == nil {
				fmt.Fprintf(logs, "relay-bench: %s accepting %.2fs after its start\n", urls[i], time.Since(start).Seconds())
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		var started []*serverProcess
		for _, p := range procs {
			if p != nil {
				started = append(started, p)
			}
		}
		stopServers(started)
		return nil, err
	}
	return procs, nil
}

// launchServers starts one server per argv and returns without waiting for
// them to accept.
func launchServers(argvs [][]string, logs io.Writer) ([]*serverProcess, error) {
	procs := make([]*serverProcess, 0, len(argvs))
	for _, argv := range argvs {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			stopServers(procs)
			return nil, fmt.Errorf("start server: %w", err)
		}
		p := &serverProcess{cmd: cmd, exited: make(chan struct{})}
		go func() { _ = cmd.Wait(); close(p.exited) }()
		procs = append(procs, p)
	}
	return procs, nil
}

// exitedText names the servers that have exited, for a timeout's message.
func exitedText(procs []*serverProcess) string {
	var text string
	for i, p := range procs {
		select {
		case <-p.exited:
			text += fmt.Sprintf("; server %d exited: %v", i+1, p.cmd.ProcessState)
		default:
		}
	}
	return text
}

// stopServers stops every server at once, as a deploy would, and returns
// the longest graceful stop.
func stopServers(procs []*serverProcess) time.Duration {
	var (
		mu      sync.Mutex
		longest time.Duration
		wg      sync.WaitGroup
	)
	for _, p := range procs {
		wg.Go(func() {
			took := p.stop()
			mu.Lock()
			defer mu.Unlock()
			longest = max(longest, took)
		})
	}
	wg.Wait()
	return longest
}

func bigroomText(w io.Writer, r bigroomResult) {
	fmt.Fprintf(w, "bigroom %s\n", r.URL)
	fmt.Fprintf(w, "  members            %d in one room over %d relay(s)", r.Members, r.Relays)
	if r.CappedByFDs {
		fmt.Fprint(w, " (capped by the open-files limit)")
	}
	fmt.Fprintf(w, "\n  handshakes         %d at a time from %d source addresses\n", r.DialConcurrency, r.Sources)
	phaseText(w, "fill", r.Fill, r.MemoryMeasured)
	if r.Storm != nil {
		fmt.Fprintf(w, "  shutdown           %.2fs (SIGTERM to exit)\n", r.ShutdownSeconds)
		fmt.Fprintf(w, "  backoff            full jitter, %d ms .. %d ms\n", r.BackoffMinMS, r.BackoffMaxMS)
		phaseText(w, "storm", *r.Storm, r.MemoryMeasured)
	}
	fmt.Fprintf(w, "  read per member    %.0f bytes\n", r.BytesPerMember)
	if r.MemoryMeasured {
		fmt.Fprintf(w, "  RSS before         %d kB\n", r.RSSBeforeKB)
	}
}

func phaseText(w io.Writer, name string, p bigroomPhase, memory bool) {
	verb := "all in"
	if name == "storm" {
		verb = "all back"
	}
	if p.AllIn {
		fmt.Fprintf(w, "  %-6s %-11s %.2fs (%d members)\n", name, verb, p.Seconds, p.In)
	} else {
		fmt.Fprintf(w, "  %-6s NOT %-7s %d of %d after %.2fs\n", name, verb, p.In, p.Expected, p.Seconds)
	}
	fmt.Fprintf(w, "         failed dials %d (%d welcomes late), drops %d%s\n", p.FailedDials, p.LateWelcomes, p.Drops, codesText(p.DropCodes, p.DropReasons))
	fmt.Fprintf(w, "         published %d (errors %d), members missing some %d, duplicates %d, error frames %d\n",
		p.Published, p.PublishErrs, p.Missed, p.Duplicates, p.ErrorFrames)
	fmt.Fprintf(w, "         presence count right at %d members\n", p.PresenceAgreed)
	if memory {
		fmt.Fprintf(w, "         server RSS %d kB (peak %d kB), %.2f kB per member\n", p.RSSKB, p.PeakRSSKB, p.RSSPerMemberKB)
	}
}

// codesText lists drop codes in order, each with its first reason.
func codesText(codes map[string]int, reasons map[string]string) string {
	if len(codes) == 0 {
		return ""
	}
	keys := make([]string, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d %q", k, codes[k], reasons[k])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// bigMember is one member of the big room: it stays on its relay, reads
// everything, and reconnects after the restart as the PWA does.
type bigMember struct {
	state                  *bigroomState
	dialer                 *dialer
	base                   *url.URL
	index                  int
	room, cid              string
	backoffMin, backoffMax time.Duration

	conn atomic.Pointer[websocket.Conn] // the current connection, for publishing
	out  atomic.Bool                    // dropped: no longer in the room

	// Owned by the member's goroutine: what it sends back as since= and
	// epoch=, and the next message number it expects from member 0.
	seq   uint64
	epoch string
	next  uint64
	gen   int // 0: the first connection, 1: after the restart

	got        atomic.Uint64 // distinct messages of member 0
	duplicates atomic.Int64
	count      atomic.Int64 // the room's size as last heard
	lastPing   atomic.Int64 // Unix ns of the current connection's last ping, 0 before the first
}

// run connects (the first dial holds a slot of firstDials, so the fill goes
// at the chosen number of handshakes at a time), reads until the connection
// ends, and reconnects once after the restart.
func (m *bigMember) run(ctx context.Context, firstDials chan struct{}) {
	select {
	case firstDials <- struct{}{}:
	case <-ctx.Done():
		return
	}
	first, attempt := true, 0
	for ctx.Err() == nil {
		dialStart := time.Now()
		conn, err := m.dial(ctx)
		if first {
			<-firstDials
			first = false
		}
		if err != nil {
			m.state.failedDials[m.gen].Add(1)
			attempt++
			if !sleepCtx(ctx, fullJitter(m.backoffMin, m.backoffMax, attempt)) {
				return
			}
			continue
		}
		attempt = 0
		m.conn.Store(conn)
		m.state.in(m.gen)
		connected := time.Now()
		stop := context.AfterFunc(ctx, func() { _ = conn.CloseNow() })
		err = m.read(conn)
		if websocket.CloseStatus(err) == -1 {
			// Without a close frame, when it ended tells who ended it: a
			// ping unanswered, a write stuck, or something at the handshake.
			err = fmt.Errorf("%w (dialed in %v, then %v connected%s)", err, connected.Sub(dialStart).Round(time.Millisecond),
				time.Since(connected).Round(time.Millisecond), m.pingText())
		}
		stop()
		_ = conn.CloseNow()
		if !m.state.ended(m.gen, err) { // only a first connection lost to the restart comes back
			m.out.Store(true)
			return
		}
		m.gen = 1
		if !sleepCtx(ctx, fullJitter(m.backoffMin, m.backoffMax, 0)) {
			return
		}
	}
}

// pingText says when the current connection's last ping came, if one did.
func (m *bigMember) pingText() string {
	ping := m.lastPing.Load()
	if ping == 0 {
		return ", no ping"
	}
	return fmt.Sprintf(", the last ping %v before", time.Since(time.Unix(0, ping)).Round(time.Millisecond))
}

// dial opens one connection as the PWA does (since=0 the first time, then
// the last seq and the room's epoch) and handles the first frame: the
// welcome, and any replay batched with it.
func (m *bigMember) dial(ctx context.Context) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, m.dialer.timeout)
	defer cancel()
	u := m.dialer.url(m.base, m.room, m.cid) + "&since=" + strconv.FormatUint(m.seq, 10)
	if m.epoch != "" {
		u += "&epoch=" + url.QueryEscape(m.epoch)
	}
	client := m.dialer.clients[m.index%len(m.dialer.clients)]
	m.lastPing.Store(0)
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: client, Subprotocols: []string{wire.Subprotocol},
		OnPingReceived: func(context.Context, []byte) bool {
			m.lastPing.Store(time.Now().UnixNano())
			return true
		}})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial: HTTP %d: %w", resp.StatusCode, err)
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	conn.SetReadLimit(64 << 20)
	_, frame, err := conn.Read(ctx)
	if err != nil {
		_ = conn.CloseNow()
		return nil, fmt.Errorf("wait for welcome: %w", err)
	}
	if ctx.Err() != nil {
		// The welcome came as the dial timeout expired: coder/websocket
		// closes the connection on the read's context even when the read
		// itself got through, so the next read would fail at once and the
		// member would look dropped by the server. It is a late dial.
		m.state.lateWelcomes[m.gen].Add(1)
		_ = conn.CloseNow()
		return nil, fmt.Errorf("welcome after the dial timeout: %w", ctx.Err())
	}
	m.state.bytes.Add(int64(len(frame)))
	first := true
	err = wire.Split(frame, func(object []byte) error {
		if !first {
			m.handle(object)
			return nil
		}
		first = false
		var w wire.Welcome
		if err := json.Unmarshal(object, &w); err != nil || w.Type != wire.TypeWelcome {
			return fmt.Errorf("first object is not a welcome: %.80q", object)
		}
		m.seq = max(m.seq, w.Seq)
		if w.Epoch != m.epoch {
			m.seq = w.Seq // a new seq space: what the member had names nothing now
		}
		m.epoch = w.Epoch
		count := w.Count
		if count == 0 { // within the presence limit: the peers are the room
			count = len(w.Peers) + 1
		}
		m.count.Store(int64(count))
		return nil
	})
	if err != nil {
		_ = conn.CloseNow()
		return nil, err
	}
	return conn, nil
}

// read handles every frame until the connection ends, and returns why it
// ended. Reading is also what answers the relay's pings.
func (m *bigMember) read(conn *websocket.Conn) error {
	for {
		_, frame, err := conn.Read(context.Background())
		if err != nil {
			return err
		}
		m.state.bytes.Add(int64(len(frame)))
		_ = wire.Split(frame, func(object []byte) error {
			m.handle(object)
			return nil
		})
	}
}

var (
	msgPrefix      = []byte(`{"type":"msg","seq":`)
	presencePrefix = []byte(`{"type":"presence"`)
	joinPrefix     = []byte(`{"type":"join"`)
	leavePrefix    = []byte(`{"type":"leave"`)
	errorPrefix    = []byte(`{"type":"error"`)
)

// handle counts one received object.
func (m *bigMember) handle(object []byte) {
	switch {
	case bytes.HasPrefix(object, msgPrefix):
		if seq, ok := leadingUint(object[len(msgPrefix):]); ok {
			m.seq = max(m.seq, seq)
		}
		rest, ok := payloadAt(object, protoChat)
		if !ok {
			return
		}
		if pub, n, _, ok := parsePayload(rest); ok && pub == 0 {
			if n < m.next {
				m.duplicates.Add(1)
				return
			}
			m.next = n + 1
			m.got.Add(1)
		}
	case bytes.HasPrefix(object, presencePrefix):
		var p struct {
			Count int64 `json:"count"`
		}
		if json.Unmarshal(object, &p) == nil {
			m.count.Store(p.Count)
		}
	case bytes.HasPrefix(object, joinPrefix): // a room within the presence limit
		m.count.Add(1)
	case bytes.HasPrefix(object, leavePrefix):
		m.count.Add(-1)
	case bytes.HasPrefix(object, errorPrefix):
		m.state.errorFrames.Add(1)
	}
}

// leadingUint reads the decimal number at the start of b.
func leadingUint(b []byte) (uint64, bool) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	n, err := strconv.ParseUint(string(b[:i]), 10, 64)
	return n, err == nil
}

// fullJitter is storm's reconnect delay: random in
// [0, min(max, base×2^attempt)).
func fullJitter(base, ceiling time.Duration, attempt int) time.Duration {
	if attempt < 20 {
		ceiling = min(ceiling, base<<attempt)
	}
	return rand.N(ceiling) + time.Millisecond
}

// syncWriter serializes writes to w: a server's output is copied to it by
// os/exec's goroutine unless w is a file.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
