package main

// frameTap follows the WebSocket frames a server sends in the byte stream a
// connection reads, below every buffer (net/http's handshake reader,
// coder/websocket's bufio.Reader): it sees each read's bytes once, in order,
// so it knows which read completed each message, whatever a buffer above
// does with the bytes later. The stream starts with the HTTP 101 response.
type frameTap struct {
	inBody      bool   // past the HTTP response head
	headEnd     int    // bytes of "\r\n\r\n" matched so far
	header      []byte // the frame header read so far (at most 14 bytes)
	payloadLeft int64  // of the current frame, once its header is complete
	inPayload   bool
	opcode      byte
	fin         bool
	messageSize int64 // payload bytes of the message so far (data frames)
}

// tappedMessage is one data message the server sent, as the tap saw it.
type tappedMessage struct {
	// end is the offset in the read's bytes just past the message's last
	// byte.
	end int
	// size is the message's payload length (all its frames).
	size int64
}

const (
	opcodeClose = 0x8 // control frames (close, ping, pong) have opcodes 0x8..0xF
	finBit      = 0x80
	maskBit     = 0x80
)

// feed follows the bytes one read returned and calls done for each data
// message whose last byte is among them, in order.
func (t *frameTap) feed(b []byte, done func(tappedMessage)) {
	i := 0
	if !t.inBody {
		i = t.skipHead(b)
	}
	for i < len(b) {
		if !t.inPayload {
			i += t.readHeader(b[i:])
			if !t.inPayload {
				return // the header goes on in the next read
			}
		}
		n := int(min(t.payloadLeft, int64(len(b)-i)))
		t.payloadLeft -= int64(n)
		i += n
		if t.opcode < opcodeClose {
			t.messageSize += int64(n)
		}
		if t.payloadLeft > 0 {
			return
		}
		t.inPayload = false
		if t.opcode < opcodeClose && t.fin {
			done(tappedMessage{end: i, size: t.messageSize})
			t.messageSize = 0
		}
	}
}

// skipHead consumes the HTTP response head and returns where the frames
// start in b (len(b): not yet).
func (t *frameTap) skipHead(b []byte) int {
	const crlfcrlf = "\r\n\r\n"
	for i, c := range b {
		switch {
		case c == crlfcrlf[t.headEnd]:
			t.headEnd++
		case c == '\r':
			t.headEnd = 1
		default:
			t.headEnd = 0
		}
		if t.headEnd == len(crlfcrlf) {
			t.inBody = true
			return i + 1
		}
	}
	return len(b)
}

// readHeader consumes frame header bytes from b and returns how many; once
// the header is complete the frame's payload starts (t.inPayload).
func (t *frameTap) readHeader(b []byte) int {
	used := 0
	for used < len(b) {
		t.header = append(t.header, b[used])
		used++
		if len(t.header) < 2 {
			continue
		}
		need := 2
		switch t.header[1] &^ maskBit {
		case 126:
			need += 2
		case 127:
			need += 8
		}
		if t.header[1]&maskBit != 0 { // servers do not mask, but the length still counts
			need += 4
		}
		if len(t.header) < need {
			continue
		}
		t.fin = t.header[0]&finBit != 0
		t.opcode = t.header[0] & 0x0f
		switch t.header[1] &^ maskBit {
		case 126:
			t.payloadLeft = int64(t.header[2])<<8 | int64(t.header[3])
		case 127:
			t.payloadLeft = 0
			for _, c := range t.header[2:10] {
				t.payloadLeft = t.payloadLeft<<8 | int64(c)
			}
		default:
			t.payloadLeft = int64(t.header[1] &^ maskBit)
		}
		t.header = t.header[:0]
		t.inPayload = true
		return used
	}
	return used
}
