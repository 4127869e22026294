package chat

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/chatpwa/chat/relay/wire"
)

// plainMsg reads a msg object of the exact shape the relay writes, into f:
// wire.Msg's fields in their order, with "room" after "type" on a shared
// connection, strings that need no unescaping and plain numbers. It reads
// what json.Unmarshal would, without reflection; anything else is !ok and
// goes to json.Unmarshal. In the browser the decoder was most of handling a
// 500-message replay.
func plainMsg(object []byte, f *wire.ServerFrame) bool {
	rest, ok := bytes.CutPrefix(object, []byte(`{"type":"msg",`))
	if !ok {
		return false
	}
	var m wire.ServerFrame
	if r, ok := bytes.CutPrefix(rest, []byte(`"room":"`)); ok {
		if m.Room, r, ok = plainJSONString(r); !ok {
			return false
		}
		if rest, ok = bytes.CutPrefix(r, []byte(`,`)); !ok {
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
	if m.Conn, rest, ok = plainString(rest, `,"conn":"`); !ok {
		return false
	}
	if m.CID, rest, ok = plainString(rest, `,"cid":"`); !ok {
		return false
	}
	if m.ID, rest, ok = plainString(rest, `,"id":"`); !ok {
		return false
	}
	data, ok := bytes.CutPrefix(rest, []byte(`,"data":`))
	if !ok {
		return false
	}
	data, ok = bytes.CutSuffix(data, []byte(`}`))
	// json.Valid allows space around the value, which json.Unmarshal would
	// leave out of Data; the relay writes none.
	if !ok || !json.Valid(data) || isJSONSpace(data[0]) || isJSONSpace(data[len(data)-1]) {
		return false
	}
	m.Type, m.Seq, m.TS, m.Data = wire.TypeMsg, seq, int64(ts), bytes.Clone(data)
	*f = m
	return true
}

// plainString reads key (ending in the string's opening quote) and a string
// that needs no unescaping.
func plainString(b []byte, key string) (s string, rest []byte, ok bool) {
	if b, ok = bytes.CutPrefix(b, []byte(key)); !ok {
		return "", nil, false
	}
	return plainJSONString(b)
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
