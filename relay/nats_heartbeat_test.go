package relay

import (
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// TestNATS_BusyRelay_HeartbeatsStillHeard keeps one room of relay B busy
// (its lock held, as by a long fan-out) while relay A's changes for that
// room wait for it, for longer than the presenceMissedBeats intervals
// after which a silent relay is declared gone. B still hears A's
// heartbeats, apart from those changes: A's members elsewhere do not
// leave, and A's change is applied once the room is free.
func TestNATS_BusyRelay_HeartbeatsStillHeard(t *testing.T) {
	n := startNATS(t)
	a, b := startNATSRelay(t, n, Config{}), startNATSRelay(t, n, Config{})
	_, annWelcome := joinRoom(t, a, "watch", "ann")
	watcher, w := joinRoom(t, b, "watch", "watcher")
	if !hasPeer(w.Peers, annWelcome.Conn) {
		watcher.until(func(f wire.ServerFrame) bool { return f.Type == wire.TypeJoin })
	}
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
}
