package chat

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/chatpwa/chat/relay/wire"
)

// plainReader reads the msg objects of one frame that have the exact
// shape the relay writes (msg): it keeps the last room, conn and cid read
// and hands out those strings again while the bytes match, as a replay's
// messages name the same ones over and over. The zero plainReader is
// ready.
type plainReader struct {
	room, conn, cid string
}

// msg reads object into f when it is a msg of the exact shape the relay
// writes: wire.Msg's fields in their order, with "room" after "type" on a
// shared connection, strings that need no unescaping and plain numbers.
// It reads what json.Unmarshal would, without reflection; anything else
// is !ok and goes to json.Unmarshal. In the browser the decoder was most
// of handling a 500-message replay.
func (r *plainReader) msg(object []byte, f *wire.ServerFrame) bool {
	rest, ok := bytes.CutPrefix(object, []byte(`{"type":"msg",`))
	if !ok {
		return false
	}
	var m wire.ServerFrame
	var s []byte
	if after, ok := bytes.CutPrefix(rest, []byte(`"room":"`)); ok {
		if s, after, ok = plainJSONBytes(after); !ok {
			return false
		}
		m.Room = reuse(&r.room, s)
		if rest, ok = bytes.CutPrefix(after, []byte(`,`)); !ok {
			return false
		}
	}
	var seq, ts uint64
	if seq, rest, ok = plainUint(rest, `"seq":`); !ok {
		return false
	}
	if ts, rest, ok = plainUint(rest, `,"ts":`); !ok || ts > 1<<63-1 {
		return false
	}
	if s, rest, ok = plainString(rest, `,"conn":"`); !ok {
		return false
	}
	m.Conn = reuse(&r.conn, s)
	if s, rest, ok = plainString(rest, `,"cid":"`); !ok {
		return false
	}
	m.CID = reuse(&r.cid, s)
	if s, rest, ok = plainString(rest, `,"id":"`); !ok {
		return false
	}
	m.ID = string(s)
	data, ok := bytes.CutPrefix(rest, []byte(`,"data":`))
	if !ok {
		return false
	}
	data, ok = bytes.CutSuffix(data, []byte(`}`))
	if !ok || !plainJSONValue(data) {
		return false
	}
	m.Type, m.Seq, m.TS, m.Data = wire.TypeMsg, seq, int64(ts), bytes.Clone(data)
	*f = m
	return true
}

// plainJSONValue reports whether data is one JSON value with no space
// around it, as json.Unmarshal would read it into Data. This client's own
// {"nick","text"} is recognised by a byte scan (plainMessageShape) rather
// than by json.Valid, whose scanner makes a call per byte: in the browser,
// with app.wasm built without inlining, that was a third of reading a msg.
func plainJSONValue(data []byte) bool {
	if _, _, ok := plainMessageShape(data); ok {
		return true
	}
	// json.Valid allows space around the value, which json.Unmarshal would
	// leave out of Data; the relay writes none.
	return json.Valid(data) && !isJSONSpace(data[0]) && !isJSONSpace(data[len(data)-1])
}

// reuse returns b as a string: last, when it reads the same, else a new
// string that becomes last.
func reuse(last *string, b []byte) string {
	if string(b) != *last { // compared without a copy
		*last = string(b)
	}
	return *last
}

// plainString reads key (ending in the string's opening quote) and a string
// that needs no unescaping, returning its bytes.
func plainString(b []byte, key string) (s, rest []byte, ok bool) {
	if b, ok = bytes.CutPrefix(b, []byte(key)); !ok {
		return nil, nil, false
	}
	return plainJSONBytes(b)
}

// plainUint reads key and the digits of a JSON number without sign,
// fraction or exponent.
func plainUint(b []byte, key string) (n uint64, rest []byte, ok bool) {
	if b, ok = bytes.CutPrefix(b, []byte(key)); !ok {
		return 0, nil, false
	}
	end := 0
	for end < len(b) && b[end] >= '0' && b[end] <= '9' {
		end++
	}
	if end == 0 || (end > 1 && b[0] == '0') {
		return 0, nil, false // none, or a leading zero JSON does not allow
	}
	n, err := strconv.ParseUint(string(b[:end]), 10, 64)
	if err != nil {
		return 0, nil, false
	}
	return n, b[end:], true
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
