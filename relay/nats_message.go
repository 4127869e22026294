package relay

// A msg stored in JetStream is the tail of its msg object: everything after
// "ts". seq and ts are not known when the relay publishes: JetStream assigns
// the stream sequence (seq) and its own storage time (ts), so every relay
// builds byte-identical msg objects from a stored message without decoding
// it, and every relay agrees on ts.

// msgFromTail builds the msg object of a stored message: the head with seq
// and ts, then the stored tail.
func msgFromTail(seq uint64, ts int64, tail []byte) []byte {
	const head = len(`{"type":"msg","seq":,"ts":`) + 2*20
	return append(appendMsgHead(make([]byte, 0, head+len(tail)), seq, ts), tail...)
}
