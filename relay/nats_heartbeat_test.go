package relay

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// TestNATS_BusyRelay_HeartbeatsStillHeard keeps one room of relay B busy
// (its lock held, as by a long fan-out) while relay A's changes for that
// room wait for it, for longer than the presenceMissedBeats intervals
// after which a silent relay is declared gone. B still hears A's
// heartbeats, apart from those changes, and still sends its own: the
// members of each relay elsewhere do not leave, and A's change is applied
// once the room is free. It fails if heartbeats were noted, or sent, by
// the goroutine that applies changes to rooms.
func TestNATS_BusyRelay_HeartbeatsStillHeard(t *testing.T) {
	n := startNATS(t)
	a, b := startNATSRelay(t, n, Config{}), startNATSRelay(t, n, Config{})
	ann, annWelcome := joinRoom(t, a, "watch", "ann")
	watcher, w := joinRoom(t, b, "watch", "watcher")
	if !hasPeer(w.Peers, annWelcome.Conn) {
		watcher.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeJoin })
	}
	ann.until(func(f wire.ServerFrame) bool {
		return f.Type == wire.TypeJoin && f.Peer != nil && f.Peer.Conn == w.Conn
	})
	busyMember, _ := joinRoom(t, b, "busy", "busy-member")

	b.hub.mu.Lock()
	busy := b.hub.byName["busy"]
	b.hub.mu.Unlock()
	busy.mu.Lock()
	joinRoom(t, a, "busy", "newcomer") // B applies this only once busy is free
	<-time.After(2 * presenceMissedBeats * testPresenceInterval)
	busy.mu.Unlock()

	if f := busyMember.skipTo(wire.TypeJoin); f.Peer == nil || f.Peer.CID != "newcomer" {
		t.Fatalf("busy member got %+v, want the newcomer's join", f)
	}
	watcher.quiet() // no leave of ann: relay A was never declared gone
	ann.quiet()     // nor relay B, busy: its heartbeats waited for no room
}

// sink is a member that only reads, as fast as it can, and discards what
// it reads: a subscriber of the fan-out load.
type sink struct {
	conn *websocket.Conn
	done chan struct{}
}

// dialSink connects a sink to room on tr, or fails the test.
func dialSink(t *testing.T, tr *testRelay, room, cid string) *sink {
	t.Helper()
	conn, _, err := tr.dialRaw(query(room, cid), nil)
	if err != nil {
		t.Errorf("dial sink %s: %v", cid, err)
		return nil
	}
	conn.SetReadLimit(-1)
	s := &sink{conn: conn, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			if _, _, err := conn.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = conn.CloseNow()
		<-s.done
	})
	return s
}

// TestNATS_FanOutLoad_NobodyLeaves runs the fan-out benchmark, scaled down,
// on real sockets across two relays: a room whose members on both relays
// receive every msg of publishers on relay B, while a storm of members
// joins it on B (each join a presence change that relay A applies to the
// busy room, waiting for its lock behind the fan-out of msgs). Meanwhile a
// member of each relay watches, in another room, a member of the other. For
// longer than several presenceMissedBeats intervals nobody there leaves:
// each relay keeps hearing the other's heartbeats, apart from the fan-out
// and the presence changes queued behind it. This is the claim end to end;
// TestNATS_BusyRelay_HeartbeatsStillHeard is the one that fails at once if
// heartbeats were handled behind a busy room's lock.
func TestNATS_FanOutLoad_NobodyLeaves(t *testing.T) {
	const (
		subsA, joinersB = 100, 150
		publishers      = 2
		pubEvery        = 4 * time.Millisecond // per publisher: 500 msgs/s in all
		// The default interval: a relay is declared gone after 3 s of
		// silence. With the tests' 200 ms, a fan-out under -race on a
		// loaded machine delays every goroutine of the process, and the
		// in-process nats-server, past 600 ms (measured: ticks 700 ms late).
		interval = DefaultPresenceInterval
		loadFor  = (presenceMissedBeats + 1) * interval // past the silence that declares a relay gone
	)
	n := startNATS(t)
	cfg := Config{MaxConnsPerIP: Unlimited, HandshakesPerIP: Unlimited, Rate: 1e6, Burst: 1 << 20, Queue: 1 << 14,
		PresenceInterval: interval}
	a, b := startNATSRelay(t, n, cfg), startNATSRelay(t, n, cfg)

	ann, annWelcome := joinRoom(t, a, "watch", "ann")
	bob, bobWelcome := joinRoom(t, b, "watch", "bob")
	if !hasPeer(bobWelcome.Peers, annWelcome.Conn) {
		bob.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeJoin })
	}
	ann.until(func(f wire.ServerFrame) bool {
		return f.Type == wire.TypeJoin && f.Peer != nil && f.Peer.Conn == bobWelcome.Conn
	})

	for i := range subsA {
		dialSink(t, a, "busy", fmt.Sprint("a-sub-", i))
	}
	var pubs []*testClient
	for i := range publishers {
		p, _ := joinRoom(t, b, "busy", fmt.Sprint("pub-", i))
		pubs = append(pubs, p)
	}

	stop := make(chan struct{})
	var load sync.WaitGroup
	for i, p := range pubs {
		load.Go(func() {
			go func() { // the publisher reads its fan-out like any member
				for {
					select {
					case <-p.frames:
					case <-p.done:
						return
					}
				}
			}()
			tick := time.NewTicker(pubEvery)
			defer tick.Stop()
			for seq := 0; ; seq++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if err := p.write(fmt.Sprintf(`{"type":"pub","id":"p%d-%d","data":{"text":"load","n":%d}}`, i, seq, seq)); err != nil {
					t.Errorf("publisher %d: %v", i, err)
					return
				}
			}
		})
	}
	load.Go(func() { // the join storm, while msgs flow
		var dials sync.WaitGroup
		for i := range joinersB {
			dials.Go(func() { dialSink(t, b, "busy", fmt.Sprint("b-join-", i)) })
		}
		dials.Wait()
	})
	<-time.After(loadFor)
	close(stop)
	load.Wait()

	// Each watcher has heard nothing: no leave (and no re-join) of the
	// other relay's member.
	ann.quiet()
	bob.quiet()
	deliveredA := mustAtoi(t, metricValue(t, a, "relay_deliveries_total"))
	deliveredB := mustAtoi(t, metricValue(t, b, "relay_deliveries_total"))
	t.Logf("deliveries under load: relay A %d, relay B %d", deliveredA, deliveredB)
	if deliveredA < 10*subsA || deliveredB < 10*joinersB {
		t.Fatalf("deliveries A %d, B %d: too few for a fan-out load", deliveredA, deliveredB)
	}
}

// TestNATS_Reconnect_WithinThePresenceWindow checks, for short and default
// presence intervals, that a relay's worst wait to reconnect to NATS (wait
// plus jitter) is shorter than the presenceMissedBeats intervals after
// which the relays that reconnected first declare it gone: a NATS restart
// alone never makes members leave and join again elsewhere.
func TestNATS_Reconnect_WithinThePresenceWindow(t *testing.T) {
	n := startNATS(t)
	for _, interval := range []time.Duration{50 * time.Millisecond, testPresenceInterval, DefaultPresenceInterval} {
		tr := startNATSRelay(t, n, Config{PresenceInterval: interval})
		opts := tr.natsConn().nc.Load().Opts
		if worst := opts.ReconnectWait + opts.ReconnectJitter; worst >= presenceMissedBeats*interval {
			t.Errorf("presence interval %v: reconnect wait %v + jitter %v, want under %v", interval,
				opts.ReconnectWait, opts.ReconnectJitter, presenceMissedBeats*interval)
		}
	}
}
