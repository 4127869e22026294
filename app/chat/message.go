package chat

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chatpwa/chat/relay/wire"
)

// messageData is what this client puts in pub.data, and in a private room
// the body inside the envelope. The nick travels inside the message so that
// history shows the right sender after they left. Later features add fields
// here (omitempty, so that older clients read what they know).
type messageData struct {
	_ noCompare

	Nick string `json:"nick"`
	Text string `json:"text"`
	// Ref makes the message a reply, reaction, edit or delete of an earlier
	// one (refs.go).
	Ref *refData `json:"ref,omitempty"`
}

// metaData is what this client puts in meta.data.
type metaData struct {
	Nick string `json:"nick"`
}

// maxForeignText bounds how much of a foreign payload is shown as raw text.
const maxForeignText = 2000

// maxForeignNick bounds a nickname received from someone else.
const maxForeignNick = 64

// encodeJSON marshals v without HTML escaping: the frame is measured against
// the relay's limit, and "<" as \u003c would waste five bytes each. It
// undoes json.Marshal's escaping rather than use a json.Encoder with
// SetEscapeHTML(false), which links the Encoder's own code (indentation
// and all) into app.wasm.
func encodeJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only strings and RawMessages from json.Marshal go in here.
		panic("chat: encode frame: " + err.Error())
	}
	return unescapeHTML(b)
}

// unescapeHTML turns json.Marshal's \u003c, \u003e and \u0026 back into <,
// > and &, in place. In Marshal's output every backslash starts an escape,
// so stepping over each escape whole finds exactly those.
func unescapeHTML(b []byte) []byte {
	i := bytes.IndexByte(b, '\\')
	if i < 0 {
		return b
	}
	out := b[:i] // never longer than what was read: writing in place is safe
	for i < len(b) {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			i++
			continue
		}
		if i+5 < len(b) && b[i+1] == 'u' && b[i+2] == '0' && b[i+3] == '0' {
			plain := byte(0)
			switch string(b[i+4 : i+6]) {
			case "3c":
				plain = '<'
			case "3e":
				plain = '>'
			case "26":
				plain = '&'
			}
			if plain != 0 {
				out = append(out, plain)
				i += 6
				continue
			}
		}
		out = append(out, b[i], b[i+1])
		i += 2
	}
	return out
}

var pingFrame = encodeJSON(wire.ClientFrame{Type: wire.TypePing})

// decodeMessageData reads a msg's data. Other clients may send anything:
// a {"nick","text"} object is ours; a bare string is shown as text; any
// other JSON is shown raw (shortened) rather than dropped, so nothing
// received is silently lost.
func decodeMessageData(raw json.RawMessage) (nick, text string) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		var n, t string
		if json.Unmarshal(obj["nick"], &n) == nil {
			nick = cleanNick(n)
		}
		if isJSONString(obj["text"]) && json.Unmarshal(obj["text"], &t) == nil {
			return nick, t
		}
	}
	var s string
	if isJSONString(raw) && json.Unmarshal(raw, &s) == nil {
		return nick, s
	}
	return nick, shorten(string(raw), maxForeignText)
}

// plainMessageData reads data of the shape this client writes,
// {"nick":N,"text":T} (encodeJSON keeps that order and the relay re-encodes
// payloads compactly), when neither string needs unescaping: most messages.
// It reads what decodeMessageData and decodeRef would (no ref in that
// shape) without a JSON decoder; anything else is !ok. In the browser the
// decoder's four passes over each message were about a third of handling a
// 500-message replay. nicks cleans the nick.
func plainMessageData(raw []byte, nicks *nickCache) (nick, text string, ok bool) {
	n, t, ok := plainMessageShape(raw)
	if !ok {
		return "", "", false
	}
	return nicks.clean(n), string(t), true
}

// plainMessageShape is plainMessageData's reading without a copy: the
// bytes of the nick and the text (both valid JSON strings with no escapes
// and valid UTF-8, so that raw is valid JSON).
func plainMessageShape(raw []byte) (nick, text []byte, ok bool) {
	rest, ok := bytes.CutPrefix(raw, []byte(`{"nick":"`))
	if !ok {
		return nil, nil, false
	}
	if nick, rest, ok = plainJSONBytes(rest); !ok {
		return nil, nil, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(`,"text":"`)); !ok {
		return nil, nil, false
	}
	if text, rest, ok = plainJSONBytes(rest); !ok || string(rest) != "}" {
		return nil, nil, false
	}
	return nick, text, true
}

// nickCache is cleanNick for the nicks of many messages: a replay's come
// from a few people, each many times, and it keeps the last one cleaned.
// The zero nickCache is ready.
type nickCache struct {
	raw, cleaned string
}

func (c *nickCache) clean(raw []byte) string {
	if string(raw) != c.raw { // compared without a copy; cleanNick("") is ""
		c.raw = string(raw)
		c.cleaned = cleanNick(c.raw)
	}
	return c.cleaned
}

// plainJSONBytes reads the rest of a JSON string up to its closing quote
// when it has no escapes and is valid UTF-8 (which json.Unmarshal would
// have to replace), returning its bytes and what follows the quote.
func plainJSONBytes(b []byte) (s, rest []byte, ok bool) {
	ascii := true
	for i, c := range b {
		switch {
		case c == '"':
			if !ascii && !utf8.Valid(b[:i]) {
				return nil, nil, false
			}
			return b[:i], b[i+1:], true
		case c == '\\' || c < 0x20:
			return nil, nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, nil, false
}

// isJSONString reports whether raw holds a JSON string (json.Unmarshal
// would also accept null into a string, leaving it empty).
func isJSONString(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '"'
}

// metaNick reads the nick from a meta payload; "" when there is none.
func metaNick(raw json.RawMessage) string {
	var m metaData
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	return cleanNick(m.Nick)
}

func cleanNick(nick string) string {
	return shorten(CleanNick(nick), maxForeignNick)
}

// shorten cuts s to at most n runes, marking the cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n]) + "…"
}

// shortCID is the name of a member who announced no nick and has no token name.
func shortCID(cid string) string {
	if len(cid) > 6 {
		return cid[:6]
	}
	return cid
}

// messageKey is the dedup key of a message: (cid, id) is unique, seq is not
// (it restarts with an in-memory relay).
func messageKey(cid, id string) string { return cid + "/" + id }

// newMessageID returns an id unique for this client across reloads:
// milliseconds, a counter within the session and random letters for two tabs
// sending in the same millisecond. At most 11+1+13+1+6 = 32 characters.
func newMessageID(unixMilli int64, counter uint64, rnd func() float64) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b strings.Builder
	b.WriteString(strconv.FormatInt(unixMilli, 36))
	b.WriteByte('-')
	b.WriteString(strconv.FormatUint(counter, 36))
	b.WriteByte('-')
	for range 6 {
		i := int(rnd() * float64(len(letters)))
		b.WriteByte(letters[min(max(i, 0), len(letters)-1)])
	}
	return b.String()
}
