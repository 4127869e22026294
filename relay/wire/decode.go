package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrBadFrame is wrapped by every error ParseClientFrame returns; the relay
// answers such a frame with an Error frame of code CodeBadFrame.
var ErrBadFrame = errors.New("bad frame")

// null is the data of a pub or meta frame that carried none.
var null = json.RawMessage("null")

// ParseClientFrame decodes one frame a client sent and checks it against the
// contract: valid UTF-8, a single JSON object, a known client type, and for a
// pub an ID of 1–MaxIDLen bytes. A sub's room, since and epoch are the
// relay's to check: its answer names the room.
//
// The returned Data never aliases frame and is compacted JSON (JSON null when
// the frame carried no data), so it contains no '\n' and can be spliced into a
// batched relay frame as is. Unknown fields are ignored so that clients can
// add fields without breaking older relays.
func ParseClientFrame(frame []byte) (ClientFrame, error) {
	// encoding/json would silently replace invalid UTF-8 in strings but keep
	// it inside raw data; a browser fails the whole connection on a text frame
	// that is not UTF-8, so such bytes must never be relayed.
	if !utf8.Valid(frame) {
		return ClientFrame{}, fmt.Errorf("%w: not valid UTF-8", ErrBadFrame)
	}
	var f ClientFrame
	if err := json.Unmarshal(frame, &f); err != nil {
		return ClientFrame{}, fmt.Errorf("%w: %w", ErrBadFrame, err)
	}
	switch f.Type {
	case TypePub:
		if !ValidID(f.ID) {
			return ClientFrame{}, fmt.Errorf("%w: pub id must be 1-%d bytes", ErrBadFrame, MaxIDLen)
		}
	case TypeMeta, TypeSignal:
		f.ID = ""
	case TypeSub, TypeUnsub:
		// The relay checks room, since and epoch itself, so that its answer
		// names the room.
		f.ID, f.Data = "", nil
		return f, nil
	case TypePing:
		f.ID, f.Data = "", nil
		return f, nil
	case "":
		return ClientFrame{}, fmt.Errorf("%w: missing type", ErrBadFrame)
	default:
		return ClientFrame{}, fmt.Errorf("%w: unknown type %q", ErrBadFrame, truncate(f.Type, 32))
	}
	f.Data = compact(f.Data)
	return f, nil
}

// compact returns data without insignificant whitespace in a new slice, or
// JSON null for absent data. data has already been validated by Unmarshal.
func compact(data json.RawMessage) json.RawMessage {
	if len(data) == 0 {
		return null[:len(null):len(null)] // full slice: an append must not write into the shared bytes
	}
	var buf bytes.Buffer
	buf.Grow(len(data))
	if err := json.Compact(&buf, data); err != nil {
		// Unreachable after a successful Unmarshal; null keeps the frame valid.
		return null[:len(null):len(null)]
	}
	return buf.Bytes()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
