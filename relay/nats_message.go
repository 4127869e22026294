package relay

import "strconv"

// A msg stored in JetStream is the tail of its msg object: everything after
// "ts". seq and ts are not known when the relay publishes: JetStream assigns
// the stream sequence (seq) and its own storage time (ts), so every relay
// builds byte-identical msg objects from a stored message without decoding
// it, and every relay agrees on ts.

// appendMsgTail appends the tail of a msg object,
// `,"conn":CONN,"cid":CID,"id":ID,"data":DATA}`, under the same rules as
// appendMsg: conn and cid need no escaping, idJSON is encoded, data compact.
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

// msgFromTail builds the msg object of a stored message: the head with seq
// and ts, then the stored tail.
func msgFromTail(seq uint64, ts int64, tail []byte) []byte {
	const head = len(`{"type":"msg","seq":,"ts":`) + 2*20
	dst := make([]byte, 0, head+len(tail))
	dst = append(dst, `{"type":"msg","seq":`...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, `,"ts":`...)
	dst = strconv.AppendInt(dst, ts, 10)
	return append(dst, tail...)
}
