package main

import (
	"bytes"
	"strconv"
)

// A payload is the JSON string "bench:PUB:N:SENT": the publisher's index, its
// message number (from 0, in sending order) and the send time in Unix
// nanoseconds. The relay never reads payloads, so the timestamp rides in
// data and the receiver computes the latency; a raw server gets the same
// bytes without the quotes.
const payloadPrefix = "bench:"

// chatDataMarker precedes the payload inside a relay's msg object.
var chatDataMarker = []byte(`"data":"` + payloadPrefix)

// appendPayload appends the payload without quotes.
func appendPayload(dst []byte, pub int, n uint64, sentNS int64) []byte {
	dst = append(dst, payloadPrefix...)
	dst = strconv.AppendInt(dst, int64(pub), 10)
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, n, 10)
	dst = append(dst, ':')
	return strconv.AppendInt(dst, sentNS, 10)
}

// appendPub appends a chat.v1 pub frame carrying the payload; its id is
// unique per publisher, as the contract requires.
func appendPub(dst []byte, pub int, n uint64, sentNS int64) []byte {
	dst = append(dst, `{"type":"pub","id":"`...)
	dst = strconv.AppendUint(dst, n, 10)
	dst = append(dst, `","data":"`...)
	dst = appendPayload(dst, pub, n, sentNS)
	return append(dst, `"}`...)
}

// payloadAt returns the payload inside one received object: a chat msg
// object, a Socket.IO event, or a raw frame. ok is false for anything else (welcome, join…).
func payloadAt(object []byte, proto string) (rest []byte, ok bool) {
	switch proto {
	case protoRaw:
		if !bytes.HasPrefix(object, []byte(payloadPrefix)) {
			return nil, false
		}
		return object[len(payloadPrefix):], true
	case protoSocketIO:
		if !bytes.HasPrefix(object, socketIODataMarker) {
			return nil, false
		}
		return object[len(socketIODataMarker):], true
	}
	if !bytes.HasPrefix(object, []byte(`{"type":"msg"`)) {
		return nil, false
	}
	i := bytes.Index(object, chatDataMarker)
	if i < 0 {
		return nil, false
	}
	return object[i+len(chatDataMarker):], true
}

// parsePayload reads PUB:N:SENT from the start of b (after the prefix).
func parsePayload(b []byte) (pub int, n uint64, sentNS int64, ok bool) {
	var fields [3]uint64
	for f := range fields {
		var v uint64
		digits := 0
		for len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
			v = v*10 + uint64(b[0]-'0')
			b = b[1:]
			digits++
		}
		if digits == 0 {
			return 0, 0, 0, false
		}
		fields[f] = v
		if f < 2 {
			if len(b) == 0 || b[0] != ':' {
				return 0, 0, 0, false
			}
			b = b[1:]
		}
	}
	return int(fields[0]), fields[1], int64(fields[2]), true
}
