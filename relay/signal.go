package relay

import (
	"encoding/json"

	"github.com/chatpwa/chat/relay/wire"
)

// Signals are ephemeral objects a member sends to the others in a room:
// typing indicators, read marks. The relay relays them as they come, to
// the members here and, through its signalBus, on other relays: no seq, not
// stored, not replayed, not deduplicated. Like a msg payload, the data is
// never read. Signals have their own rate limit per connection, and their
// refusals close nothing: a lost signal is replaced by the next.

// signalBus carries signals between relays, beneath the hub like presence:
// the memory relay has nobody to tell (memorySignals), relays sharing rooms
// over NATS publish them on core NATS subjects (signal_nats.go), never on
// JetStream.
type signalBus interface {
	// publish sends a room's signal object to the other relays; it must
	// not block.
	publish(room string, frame []byte)
	// start begins receiving the other relays' signals, reported to sink;
	// called once, before the store connects.
	start(sink signalSink)
}

// signalSink is how a signalBus hands another relay's signal to the hub.
type signalSink interface {
	// remoteSignal fans a signal object out to room's members here.
	remoteSignal(room string, frame []byte)
}

// memorySignals is the signalBus of a relay alone.
type memorySignals struct{}

var _ signalBus = memorySignals{}

func (memorySignals) publish(string, []byte) {}
func (memorySignals) start(signalSink)       {}

// signal handles a signal frame: too big or over the signal rate, it is
// refused with an error naming its room, and the connection stays.
func (s *Server) signal(m *member, limits *frameLimits, frame wire.ClientFrame) {
	sb, ok := s.subFor(m, frame.Room, "")
	if !ok {
		return
	}
	if len(frame.Data) > wire.MaxSignalData {
		s.refuse(m, sb.r.name, wire.CodeTooBig, "", "signal data over 1024 bytes: not relayed")
		return
	}
	if !limits.allowSignal() {
		s.refuse(m, sb.r.name, wire.CodeRateLimited, "", "over the signal rate limit: not relayed")
		return
	}
	s.hub.signal(sb, frame.Data)
}

// signal relays data from s's member to the room's other members, here and
// on other relays.
func (h *hub) signal(s *sub, data json.RawMessage) {
	frame := mustEncode(wire.Signal{Type: wire.TypeSignal, Conn: s.m.id, CID: s.m.cid, Data: data})
	r := s.r
	r.mu.Lock()
	if !s.inRoom {
		r.mu.Unlock()
		return
	}
	delivered := r.fanOutLocked(frame, s)
	r.mu.Unlock()
	h.metrics.signals.Inc()
	h.metrics.deliveries.Add(float64(delivered))
	h.signals.publish(r.name, frame)
}

var _ signalSink = (*hub)(nil)

// remoteSignal fans out a signal from another relay to the members here.
func (h *hub) remoteSignal(name string, frame []byte) {
	h.mu.Lock()
	r := h.byName[name]
	h.mu.Unlock()
	if r == nil {
		return // nobody here
	}
	r.mu.Lock()
	delivered := r.fanOutLocked(frame, nil)
	r.mu.Unlock()
	h.metrics.deliveries.Add(float64(delivered))
}
