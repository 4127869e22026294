package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// Latency histogram bounds, in microseconds.
const (
	minLatencyUS  = 1
	maxLatencyUS  = 60_000_000
	latencyDigits = 3
	// latencyBatch is how many latencies a receiver buffers before taking the
	// shared histogram's lock.
	latencyBatch = 256
	// writeTimeout bounds one publish: a server that takes longer is broken.
	writeTimeout = 10 * time.Second
)

// loadPlan describes a publish load: rooms of subs+pubs members each, where
// the pubs publishers also receive (they are members: their own echo is how
// a closed loop knows a message is through).
type loadPlan struct {
	command  string
	rooms    int
	subs     int     // per room, receiving only
	pubs     int     // per room
	window   int     // closed loop: messages in flight per publisher
	rate     float64 // open loop: messages per second over all publishers; 0: closed loop
	duration time.Duration
	drain    time.Duration // after duration: how long to wait for what is still in flight
}

func (p loadPlan) membersPerRoom() int { return p.subs + p.pubs }

// latencyMS are the latency percentiles of a run, in milliseconds.
type latencyMS struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

// loadResult is the report of fanout and rooms.
type loadResult struct {
	Command          string  `json:"command"`
	Proto            string  `json:"proto"`
	URL              string  `json:"url"`
	Rooms            int     `json:"rooms"`
	SubsPerRoom      int     `json:"subs_per_room"`
	PubsPerRoom      int     `json:"pubs_per_room"`
	Conns            int     `json:"conns"`
	Mode             string  `json:"mode"` // "closed" (window) or "open" (rate)
	Window           int     `json:"window,omitempty"`
	Rate             float64 `json:"rate,omitempty"`
	DurationSeconds  float64 `json:"duration_seconds"`
	Published        uint64  `json:"published"`
	Deliveries       uint64  `json:"deliveries"` // distinct messages received by all members during the duration (duplicates excluded)
	DeliveriesPerSec float64 `json:"deliveries_per_sec"`
	// Frames are the WebSocket messages the members read during the
	// duration (the server's writes): a relay that batches several
	// deliveries into one frame spends one write on them.
	Frames             uint64  `json:"frames"`
	FramesPerSec       float64 `json:"frames_per_sec"`
	DeliveriesPerFrame float64 `json:"deliveries_per_frame"`
	Expected           uint64  `json:"expected"` // published × members per room, summed over rooms
	Received           uint64  `json:"received"` // distinct deliveries, in flight ones included
	Lost               uint64  `json:"lost"`
	Duplicates         uint64  `json:"duplicates"`
	Errors             uint64  `json:"error_frames"`
	ClosedEarly        int     `json:"closed_early"` // connections the server ended during the run
	// Latency runs from the time a message was due to the time a member
	// received it: in open loop the scheduled send time, so that a backlog
	// behind a late timer or a blocked write counts; in closed loop the write.
	Latency latencyMS `json:"latency_ms"`
	// SendLag (open loop only) is this tool's own delay, from a message's
	// scheduled send time to the end of its write: on a busy machine a load
	// tool's timers wake late, and this tells that delay from the relay's.
	SendLag *latencyMS `json:"send_lag_ms,omitempty"`
	// RecvLag is this tool's receive lag per frame, from the kernel's
	// receive timestamp of the frame's data (SO_TIMESTAMPNS; on loopback,
	// when the server's write reached the member's socket) to the frame
	// read: a load generator that falls behind its readers shows here, not
	// in the server's time. A lower bound: a frame's stamp is that of the
	// read that completed it, which is late when the read also copied newer
	// data (see stampedConn). Linux only.
	RecvLag *latencyMS `json:"recv_lag_ms,omitempty"`
	// SocketLatency runs from the same due time as Latency to the kernel's
	// receive timestamp of the data that completed the message's frame (on
	// loopback: when the server's write handed it to the member's socket):
	// the server's latency without this tool's reading. Linux only; see
	// stampedConn for what the stamp is. An upper bound: a stamp is never
	// earlier than the data's arrival, and late only for the deliveries
	// counted in SocketStampsPossiblyLate, by at most their frame's
	// receive lag.
	SocketLatency *latencyMS `json:"socket_latency_ms,omitempty"`
	// SocketLatencyFloor is a lower bound of every percentile of
	// SocketLatency: each possibly late stamp replaced by its floor (the
	// previous read's stamp when that read took everything queued, else
	// the due time). The true latency to the socket lies between the two.
	SocketLatencyFloor       *latencyMS `json:"socket_latency_floor_ms,omitempty"`
	SocketStampsPossiblyLate uint64     `json:"socket_stamps_possibly_late"` // deliveries whose frame's read also copied later data or filled its buffer
	// StampMismatches counts frames whose stamp did not line up (the
	// tap's message size differed from the frame read); such frames get no
	// stamp. Anything but 0 is a bug in this tool.
	StampMismatches  uint64  `json:"stamp_mismatches"`
	CPUMeasured      bool    `json:"cpu_measured"`
	ServerCPUSeconds float64 `json:"server_cpu_seconds,omitempty"`
	CPUSecPerMillion float64 `json:"server_cpu_seconds_per_million_deliveries,omitempty"`
	ServerRSSKB      int64   `json:"server_rss_kb,omitempty"`
	ServerPeakRSSKB  int64   `json:"server_peak_rss_kb,omitempty"`
	ClientProcs      int     `json:"client_gomaxprocs"`
	// ClientCPUSeconds is this tool's own CPU time while publishing: on a
	// small machine the load generator competes with the server for cores.
	ClientCPUSeconds float64 `json:"client_cpu_seconds"`
}

// receiver reads one member's connection and counts its deliveries.
type receiver struct {
	proto string
	conn  *websocket.Conn
	// stamp is conn's TCP connection with receive timestamps (nil: not
	// measured); then recvLags gets receive lags, socketLats latencies to
	// the socket and floorLats the same with possibly late stamps at their
	// floor.
	stamp                           *stampedConn
	recvFrom                        *atomic.Bool // set once publishing starts
	recvLags, socketLats, floorLats batchedLatencies
	// frameStamp is the stamp of the frame being handled (ns 0: none).
	frameStamp messageStamp
	// Read by runLoad once the reader has returned.
	possiblyLate, mismatches uint64
	// firstPub is the global index of its room's first publisher; next holds
	// the next expected message number of each publisher of the room.
	firstPub int
	next     []uint64
	// self is the member's own publisher index in the room, -1 for a
	// subscriber; its echoes return credits to the closed loop.
	self    int
	credits chan struct{}

	delivered  atomic.Uint64
	frames     atomic.Uint64 // WebSocket messages read: a server may batch several deliveries in one
	unique     atomic.Uint64
	duplicates atomic.Uint64
	errors     atomic.Uint64
	closed     atomic.Bool

	latencies batchedLatencies
}

// batchedLatencies buffers one goroutine's latencies (µs) for a shared
// histogram and records them latencyBatch at a time, so the histogram's
// lock is taken once a batch, not once a delivery.
type batchedLatencies struct {
	hist *sharedHistogram // nil: not measured
	buf  []int64
}

func (b *batchedLatencies) add(us int64) {
	b.buf = append(b.buf, us)
	if len(b.buf) == latencyBatch {
		b.flush()
	}
}

// flush records what is buffered.
func (b *batchedLatencies) flush() {
	if b.hist != nil {
		b.hist.record(b.buf)
	}
	b.buf = b.buf[:0]
}

// sharedHistogram is one HdrHistogram shared by every receiver.
type sharedHistogram struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

func newSharedHistogram() *sharedHistogram {
	return &sharedHistogram{h: hdrhistogram.New(minLatencyUS, maxLatencyUS, latencyDigits)}
}

func (s *sharedHistogram) percentiles() latencyMS {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.h
	return latencyMS{Count: h.TotalCount(), P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)),
		P99: ms(h.ValueAtQuantile(99)), P999: ms(h.ValueAtQuantile(99.9)), Max: ms(h.Max())}
}

func (s *sharedHistogram) record(values []int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		_ = s.h.RecordValue(min(max(v, minLatencyUS), maxLatencyUS))
	}
}

func (r *receiver) run(stopping *atomic.Bool) {
	defer func() { // what is left of the last batch
		r.latencies.flush()
		r.recvLags.flush()
		r.socketLats.flush()
		r.floorLats.flush()
	}()
	var buf bytes.Buffer
	for {
		_, reader, err := r.conn.Reader(context.Background())
		if err != nil {
			if !stopping.Load() {
				r.closed.Store(true)
			}
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(reader); err != nil {
			if !stopping.Load() {
				r.closed.Store(true)
			}
			return
		}
		r.frames.Add(1)
		r.noteStamp(buf.Len())
		switch r.proto {
		case protoRaw:
			r.handle(buf.Bytes())
			continue
		case protoSocketIO:
			if !answerSocketIOPing(r.conn, buf.Bytes()) {
				r.handle(buf.Bytes())
			}
			continue
		}
		_ = wire.Split(buf.Bytes(), func(object []byte) error {
			r.handle(object)
			return nil
		})
	}
}

// noteStamp takes the receive stamp of the frame of size bytes just read,
// for handle, and records how long the frame waited on its socket.
func (r *receiver) noteStamp(size int) {
	r.frameStamp = messageStamp{}
	if r.stamp == nil {
		return
	}
	stamp, ok := r.stamp.takeMessage()
	if !ok || stamp.size != int64(size) {
		r.mismatches++
		return
	}
	r.frameStamp = stamp
	if r.recvLags.hist == nil || !r.recvFrom.Load() || stamp.ns == 0 {
		return
	}
	r.recvLags.add((time.Now().UnixNano() - stamp.ns) / 1000)
}

// handle counts one received object.
func (r *receiver) handle(object []byte) {
	rest, ok := payloadAt(object, r.proto)
	if !ok {
		if bytes.HasPrefix(object, []byte(`{"type":"error"`)) {
			r.errors.Add(1)
		}
		return
	}
	pub, n, sentNS, ok := parsePayload(rest)
	local := pub - r.firstPub
	if !ok || local < 0 || local >= len(r.next) {
		return
	}
	if n < r.next[local] {
		r.duplicates.Add(1)
		return
	}
	r.delivered.Add(1)
	r.next[local] = n + 1
	r.unique.Add(1)
	r.latencies.add((time.Now().UnixNano() - sentNS) / 1000)
	if r.frameStamp.ns != 0 && r.socketLats.hist != nil {
		r.socketLats.add((r.frameStamp.ns - sentNS) / 1000)
		r.floorLats.add((max(r.frameStamp.floorNS, sentNS) - sentNS) / 1000)
		if r.frameStamp.possiblyLate {
			r.possiblyLate++
		}
	}
	if local == r.self && r.credits != nil {
		select {
		case r.credits <- struct{}{}:
		default:
		}
	}
}

// runLoad connects the plan's members, publishes for its duration and
// measures.
func runLoad(ctx context.Context, common *commonFlags, plan loadPlan, progress func(format string, args ...any)) (loadResult, error) {
	res := loadResult{
		Command: plan.command, Proto: common.proto, URL: common.url,
		Rooms: plan.rooms, SubsPerRoom: plan.subs, PubsPerRoom: plan.pubs,
		Conns: plan.rooms * plan.membersPerRoom(), ClientProcs: runtime.GOMAXPROCS(0),
		Mode: "closed", Window: plan.window,
	}
	if plan.rate > 0 {
		res.Mode, res.Window, res.Rate = "open", 0, plan.rate
	}
	fdMax, err := raiseFileLimit()
	if err != nil {
		return res, err
	}
	if res.Conns > fdMax {
		return res, fmt.Errorf("%d connections exceed the open-files limit (%d usable)", res.Conns, fdMax)
	}
	d, err := newDialer(common)
	if err != nil {
		return res, err
	}
	hist := newSharedHistogram()
	recvHist := newSharedHistogram()
	socketHist, floorHist := newSharedHistogram(), newSharedHistogram()
	var recvFrom atomic.Bool
	var lag *sharedHistogram // open loop: scheduled → written
	if plan.rate > 0 {
		lag = newSharedHistogram()
	}
	members := plan.membersPerRoom()
	receivers := make([]*receiver, res.Conns)
	var stopping atomic.Bool
	var readers sync.WaitGroup
	defer func() {
		stopping.Store(true)
		for _, r := range receivers {
			if r != nil {
				_ = r.conn.CloseNow()
			}
		}
		readers.Wait()
	}()

	runID := fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff)
	progress("connecting %d members (%d rooms of %d)", res.Conns, plan.rooms, members)
	// Publishers connect last, so every subscriber is in its room before
	// the first message.
	order := func(i int) (room, member int) { return i % plan.rooms, members - 1 - i/plan.rooms }
	err = dialAll(ctx, res.Conns, common.dialConcurrency, func(ctx context.Context, i int) error {
		room, member := order(i)
		stamp := &stampHolder{}
		conn, err := d.dial(context.WithValue(ctx, stampHolderKey{}, stamp), fmt.Sprintf("bench-%s-%d", runID, room), fmt.Sprintf("m%d-%d", room, member))
		if err != nil {
			return err
		}
		r := &receiver{
			proto: common.proto, conn: conn, firstPub: room * plan.pubs, next: make([]uint64, plan.pubs),
			self: -1, latencies: batchedLatencies{hist: hist, buf: make([]int64, 0, latencyBatch)},
			stamp: stamp.conn, recvFrom: &recvFrom, recvLags: batchedLatencies{hist: recvHist},
			socketLats: batchedLatencies{hist: socketHist}, floorLats: batchedLatencies{hist: floorHist},
		}
		if member < plan.pubs {
			r.self = member
			r.credits = make(chan struct{}, plan.window)
		}
		if common.proto == protoRaw {
			// A broadcast server has one "room": every member sees every publisher.
			r.firstPub, r.next = 0, make([]uint64, plan.rooms*plan.pubs)
			if r.self >= 0 {
				r.self = room*plan.pubs + member
			}
		}
		receivers[room*members+member] = r
		readers.Add(1)
		go func() { defer readers.Done(); r.run(&stopping) }()
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("connecting: %w", err)
	}

	recvFrom.Store(true) // receive lags count from here: the joins' announcements are not the load
	cpuStart, err := readCPU(common.pids)
	if err != nil {
		return res, err
	}
	clientStart := selfCPU()
	framesStart := sumFrames(receivers)
	progress("publishing for %v", plan.duration)
	stop := make(chan struct{})
	sent := make([]atomic.Uint64, plan.rooms*plan.pubs)
	var publishers sync.WaitGroup
	start := time.Now()
	for room := range plan.rooms {
		for p := range plan.pubs {
			r := receivers[room*members+p]
			global := room*plan.pubs + p
			publishers.Add(1)
			go func() {
				defer publishers.Done()
				publish(stop, r, global, plan, &sent[global], lag)
			}()
		}
	}
	select {
	case <-time.After(plan.duration):
	case <-ctx.Done():
	}
	close(stop)
	elapsed := time.Since(start)
	for _, r := range receivers {
		res.Deliveries += r.delivered.Load()
	}
	res.Frames = sumFrames(receivers) - framesStart
	res.ClientCPUSeconds = (selfCPU() - clientStart).Seconds()
	cpuEnd, err := readCPU(common.pids)
	if err != nil {
		return res, err
	}
	publishers.Wait()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}

	for room := range plan.rooms {
		for p := range plan.pubs {
			n := sent[room*plan.pubs+p].Load()
			res.Published += n
			if common.proto == protoRaw {
				res.Expected += n * uint64(res.Conns)
			} else {
				res.Expected += n * uint64(members)
			}
		}
	}
	// Wait for what is still in flight, then count what never came.
	drainEnd := time.Now().Add(plan.drain)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(drainEnd) && sumUnique(receivers) < res.Expected {
		<-tick.C
	}
	for _, r := range receivers {
		res.Received += r.unique.Load()
		res.Duplicates += r.duplicates.Load()
		res.Errors += r.errors.Load()
		if r.closed.Load() {
			res.ClosedEarly++
		}
	}
	if res.Expected > res.Received {
		res.Lost = res.Expected - res.Received
	}
	stopping.Store(true)
	for _, r := range receivers {
		_ = r.conn.CloseNow()
	}
	readers.Wait()
	for _, r := range receivers {
		res.SocketStampsPossiblyLate += r.possiblyLate
		res.StampMismatches += r.mismatches
	}
	receivers = nil // closed above

	res.DurationSeconds = elapsed.Seconds()
	res.DeliveriesPerSec = float64(res.Deliveries) / elapsed.Seconds()
	res.FramesPerSec = float64(res.Frames) / elapsed.Seconds()
	if res.Frames > 0 {
		res.DeliveriesPerFrame = float64(res.Deliveries) / float64(res.Frames)
	}
	res.Latency = hist.percentiles()
	if lag != nil {
		sendLag := lag.percentiles()
		res.SendLag = &sendLag
	}
	if recvLag := recvHist.percentiles(); recvLag.Count > 0 {
		res.RecvLag = &recvLag
	}
	if socket := socketHist.percentiles(); socket.Count > 0 {
		floor := floorHist.percentiles()
		res.SocketLatency, res.SocketLatencyFloor = &socket, &floor
	}
	if len(common.pids) > 0 {
		res.CPUMeasured = true
		res.ServerCPUSeconds = (cpuEnd - cpuStart).Seconds()
		if res.Deliveries > 0 {
			res.CPUSecPerMillion = res.ServerCPUSeconds / float64(res.Deliveries) * 1e6
		}
		if res.ServerRSSKB, err = sumStatusKB(common.pids, "VmRSS"); err != nil {
			return res, err
		}
		if res.ServerPeakRSSKB, err = sumStatusKB(common.pids, "VmHWM"); err != nil {
			return res, err
		}
	}
	return res, nil
}

// sumFrames counts the frames every receiver has read so far.
func sumFrames(receivers []*receiver) uint64 {
	var n uint64
	for _, r := range receivers {
		n += r.frames.Load()
	}
	return n
}

// publish sends messages from one publisher until stop closes: closed loop
// with plan.window messages in flight (a credit comes back with each echo),
// or open loop at its share of plan.rate. lag, in open loop, gets each
// message's send lag.
func publish(stop <-chan struct{}, r *receiver, global int, plan loadPlan, sent *atomic.Uint64, lag *sharedHistogram) {
	write := func(frame []byte) error {
		// Not canceled by stop: coder/websocket closes a connection whose
		// write is canceled, and the messages in flight must still arrive.
		ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		defer cancel()
		return r.conn.Write(ctx, websocket.MessageText, frame)
	}
	sender{proto: r.proto, global: global, write: write, sent: sent, lag: lag}.run(stop, plan, r.credits)
}

// sender is one publisher's send loop, apart from its connection.
type sender struct {
	proto  string
	global int
	write  func(frame []byte) error
	sent   *atomic.Uint64
	lag    *sharedHistogram // open loop; nil in closed loop
}

func (s sender) run(stop <-chan struct{}, plan loadPlan, credits chan struct{}) {
	var frame []byte
	lags := batchedLatencies{hist: s.lag}
	defer lags.flush()
	// send writes message n stamped with due, the time it was due: a
	// receiver's latency runs from there.
	send := func(n uint64, due time.Time) bool {
		switch s.proto {
		case protoRaw:
			frame = appendPayload(frame[:0], s.global, n, due.UnixNano())
		case protoSocketIO:
			frame = appendSocketIOEvent(frame[:0], s.global, n, due.UnixNano())
		default:
			frame = appendPub(frame[:0], s.global, n, due.UnixNano())
		}
		if err := s.write(frame); err != nil {
			return false
		}
		s.sent.Add(1)
		if s.lag != nil {
			lags.add(time.Since(due).Microseconds())
		}
		return true
	}
	if plan.rate <= 0 {
		for range plan.window {
			credits <- struct{}{}
		}
		for n := uint64(0); ; n++ {
			select {
			case <-credits:
			case <-stop:
				return
			}
			if !send(n, time.Now()) {
				return
			}
		}
	}
	perPublisher := plan.rate / float64(plan.rooms*plan.pubs)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	var n uint64
	for {
		due := uint64(time.Since(start).Seconds() * perPublisher)
		for ; n < due; n++ {
			if !send(n, scheduledAt(start, n, perPublisher)) {
				return
			}
		}
		select {
		case <-tick.C:
		case <-stop:
			return
		}
	}
}

// scheduledAt is when message n (from 0) of an open loop started at start
// is due at perSecond messages per second: the loop sends it once
// perSecond × elapsed reaches n+1.
func scheduledAt(start time.Time, n uint64, perSecond float64) time.Time {
	return start.Add(time.Duration(float64(n+1) / perSecond * float64(time.Second)))
}

func sumUnique(receivers []*receiver) (n uint64) {
	for _, r := range receivers {
		n += r.unique.Load()
	}
	return n
}

// readCPU reads the servers' CPU time summed, or 0 without pids.
func readCPU(pids []int) (time.Duration, error) {
	var total time.Duration
	for _, pid := range pids {
		cpu, err := procCPU(pid)
		if err != nil {
			return 0, err
		}
		total += cpu
	}
	return total, nil
}

func ms(us int64) float64 { return float64(us) / 1000 }

// errNoPublishers refuses a plan that would measure nothing.
var errNoPublishers = errors.New("at least one publisher and one member are needed")
