package relay

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/chatpwa/chat/relay/wire"
)

// pongFrame answers every client ping; it never changes, so it is shared.
var pongFrame = mustEncode(wire.Pong{Type: wire.TypePong})

// appendMsg appends the msg object of one publication to dst. It runs under
// the room's lock (seq and ts are assigned there), so it only appends bytes:
// conn and cid are validated names that need no escaping, idJSON is the id
// already encoded as a JSON string and data is compacted JSON from
// wire.ParseClientFrame. The result is byte-for-byte what encoding wire.Msg
// with encoding/json produces.
func appendMsg(dst []byte, seq uint64, ts int64, conn, cid string, idJSON, data []byte) []byte {
	return appendMsgTail(appendMsgHead(dst, seq, ts), conn, cid, idJSON, data)
}

// appendMsgHead appends the head of a msg object: `{"type":"msg","seq":N,"ts":T`.
func appendMsgHead(dst []byte, seq uint64, ts int64) []byte {
	dst = append(dst, `{"type":"msg","seq":`...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, `,"ts":`...)
	return strconv.AppendInt(dst, ts, 10)
}

// msgSize is the length appendMsg will append, so the frame is allocated once.
func msgSize(conn, cid string, idJSON, data []byte) int {
	const fixed = len(`{"type":"msg","seq":,"ts":,"conn":"","cid":"","id":,"data":}`)
	return fixed + 2*20 + len(conn) + len(cid) + len(idJSON) + len(data)
}

// encodeString encodes s as a JSON string.
func encodeString(s string) []byte { return mustEncode(s) }

// errorFrame encodes an error object for one refused client frame.
func errorFrame(code, id, text string) []byte {
	return mustEncode(wire.Error{Type: wire.TypeError, Code: code, ID: id, Text: text})
}

// mustEncode encodes a frame built by the relay itself. Every field is either
// a string or JSON already validated by wire.ParseClientFrame, so an error
// here is a bug in the relay, not bad input.
func mustEncode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("relay: encoding %T: %v", v, err))
	}
	return b
}

// appendMsgTail appends the tail of a msg object,
// `,"conn":CONN,"cid":CID,"id":ID,"data":DATA}`: conn and cid need no
// escaping, idJSON is already encoded, data is compact. The NATS broker
// stores only the tail: seq and ts are JetStream's.
func appendMsgTail(dst []byte, conn, cid string, idJSON, data []byte) []byte {
	dst = append(dst, `,"conn":"`...)
	dst = append(dst, conn...)
	dst = append(dst, `","cid":"`...)
	dst = append(dst, cid...)
	dst = append(dst, `","id":`...)
	dst = append(dst, idJSON...)
	dst = append(dst, `,"data":`...)
	dst = append(dst, data...)
	return append(dst, '}')
}

// msgTailSize is the length appendMsgTail will append.
func msgTailSize(conn, cid string, idJSON, data []byte) int {
	const fixed = len(`,"conn":"","cid":"","id":,"data":}`)
	return fixed + len(conn) + len(cid) + len(idJSON) + len(data)
}
