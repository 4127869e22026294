package main

import (
	"bytes"
	"reflect"
	"testing"
)

// TestFrameTap_FindsMessageEndsHoweverTheReadsCut: the HTTP head, all three
// length forms, a ping between two fragments of one message and an empty
// message, fed in one read and byte by byte, give the same messages, each
// ending where its last byte is.
func TestFrameTap_FindsMessageEndsHoweverTheReadsCut(t *testing.T) {
	var stream bytes.Buffer
	stream.WriteString("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: x\r\n\r\n")
	var wantEnds []int
	var wantSizes []int64
	frame := func(first byte, payload []byte, endsMessage bool, size int) {
		stream.WriteByte(first)
		switch n := len(payload); {
		case n < 126:
			stream.WriteByte(byte(n))
		case n < 1<<16:
			stream.Write([]byte{126, byte(n >> 8), byte(n)})
		default:
			stream.Write([]byte{127, 0, 0, 0, 0, 0, byte(n >> 16), byte(n >> 8), byte(n)})
		}
		stream.Write(payload)
		if endsMessage {
			wantEnds = append(wantEnds, stream.Len())
			wantSizes = append(wantSizes, int64(size))
		}
	}
	frame(0x81, []byte("short"), true, 5)
	frame(0x82, bytes.Repeat([]byte("m"), 300), true, 300)
	frame(0x81, bytes.Repeat([]byte("l"), 70000), true, 70000)
	frame(0x01, []byte("frag1"), false, 0)  // text, not final
	frame(0x89, []byte("ping"), false, 0)   // a control frame in between
	frame(0x80, []byte("+frag2"), true, 11) // continuation, final
	frame(0x81, nil, true, 0)
	b := stream.Bytes()

	for name, step := range map[string]int{"one read": len(b), "byte by byte": 1, "7 bytes a read": 7} {
		var tap frameTap
		var ends []int
		var sizes []int64
		for at := 0; at < len(b); at += step {
			chunk := b[at:min(at+step, len(b))]
			tap.feed(chunk, func(m tappedMessage) {
				ends = append(ends, at+m.end)
				sizes = append(sizes, m.size)
			})
		}
		if !reflect.DeepEqual(ends, wantEnds) || !reflect.DeepEqual(sizes, wantSizes) {
			t.Errorf("%s: message ends %v sizes %v; want %v %v", name, ends, sizes, wantEnds, wantSizes)
		}
	}
}
