package relay

import (
	"bytes"
	"encoding/json"

	"github.com/nats-io/nats.go"

	"github.com/chatpwa/chat/relay/wire"
)

// natsSignals carries signals between relays on core NATS: one subject per
// room (signalSubject), which no JetStream stream captures, so a signal is
// never stored; at most once, like the signal itself. Every relay
// subscribes to every room's signals (one wildcard subscription, as
// presence is one subject) and drops those of rooms it has no member in.
type natsSignals struct {
	conn *natsConn
	sink signalSink
}

var _ signalBus = (*natsSignals)(nil)

// natsSignal is one signal on NATS. The receiver checks each field and
// encodes the object itself: what arrives from NATS may be forged.
type natsSignal struct {
	Relay string          `json:"relay"`
	Room  string          `json:"room"`
	Conn  string          `json:"conn"`
	CID   string          `json:"cid"`
	Data  json.RawMessage `json:"data"`
}

func (n *natsSignals) start(sink signalSink) {
	n.sink = sink
	n.conn.subscriptions[signalSubjectPrefix+"*"] = n.receive
}

// publish sends frame, a wire.Signal this relay encoded, to the others.
func (n *natsSignals) publish(room string, frame []byte) {
	nc := n.conn.nc.Load()
	if nc == nil {
		return
	}
	var sig wire.Signal
	if err := json.Unmarshal(frame, &sig); err != nil {
		return // unreachable: the relay encoded it
	}
	data, err := json.Marshal(natsSignal{Relay: n.conn.id, Room: room, Conn: sig.Conn, CID: sig.CID, Data: sig.Data})
	if err != nil {
		return
	}
	// While NATS is unreachable nats.go buffers it; a signal lost then is
	// replaced by the next one.
	_ = nc.Publish(signalSubject(room), data)
}

// receive hands another relay's signal to the hub.
func (n *natsSignals) receive(msg *nats.Msg) {
	var sig natsSignal
	if err := json.Unmarshal(msg.Data, &sig); err != nil || !validNATSSignal(sig) {
		n.conn.metrics.brokerInvalid.Inc()
		return
	}
	if sig.Relay == n.conn.id {
		return // delivered here when sent
	}
	var data bytes.Buffer
	if err := json.Compact(&data, sig.Data); err != nil || data.Len() > wire.MaxSignalData {
		n.conn.metrics.brokerInvalid.Inc()
		return
	}
	n.sink.remoteSignal(sig.Room, mustEncode(wire.Signal{Type: wire.TypeSignal, Conn: sig.Conn, CID: sig.CID, Data: data.Bytes()}))
}

func validNATSSignal(sig natsSignal) bool {
	return sig.Relay != "" && wire.ValidRoom(sig.Room) && wire.ValidCID(sig.Conn) && wire.ValidCID(sig.CID) && len(sig.Data) > 0
}
