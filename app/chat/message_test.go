package chat

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// TestEncodeJSON_NoHTMLEscaping: encodeJSON writes what a json.Encoder with
// SetEscapeHTML(false) writes, byte for byte, however the text mixes
// <, > and & with backslashes and other escapes.
func TestEncodeJSON_NoHTMLEscaping(t *testing.T) {
	texts := []string{
		"plain",
		"a <b> & c",
		`a \u003c written out`,
		`\<\>\&`,
		"\\\\<",
		"line\nbreak \"quoted\" \u2028 \x01 é 😀",
		`ends with \`,
		"<&>",
	}
	for _, text := range texts {
		for _, v := range []any{
			text,
			messageData{Nick: "<Ada>", Text: text},
			wire.ClientFrame{Type: wire.TypePub, ID: "1", Data: json.RawMessage(encodeJSON(messageData{Text: text}))},
		} {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			if got := encodeJSON(v); !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
				t.Errorf("encodeJSON(%#v)\n = %s\nwant %s", v, got, want.Bytes())
			}
		}
	}
}

// plainMessageData is a shortcut: wherever it answers, it must answer what
// the decoder does, also when one nickCache cleans the nicks of all of
// them, as for the messages of a frame (the same nick again, another, one
// that cleaning changes).
func TestPlainMessageData_AgreesWithTheDecoder(t *testing.T) {
	var nicks nickCache
	mine := encodeJSON(messageData{Nick: "Ada", Text: "hello, wörld 👋 <b>"}) // as this client writes it
	for _, tc := range []struct {
		data  string
		plain bool
	}{
		{string(mine), true},
		{`{"nick":"Ada","text":""}`, true},
		{`{"nick":"","text":"no nick"}`, true},
		{`{"nick":"Ada","text":"again"}`, true},
		{`{"nick":"Bob   Stone ","text":"spaces"}`, true},
		{"{\"nick\":\"\u200bEve\",\"text\":\"an invisible rune\"}", true},
		{`{"nick":"Ada","text":"Ada again"}`, true},
		{`{"nick":"","text":"no nick again"}`, true},
		{`{"nick":"  Ada\u00a0 ","text":"x"}`, false},
		{`{"nick":"Ada","text":"a \"quote\""}`, false},
		{`{"nick":"Ada","text":"line\nbreak"}`, false},
		{"{\"nick\":\"Ada\",\"text\":\"bad \xff utf-8\"}", false},
		{`{"nick":"Ada","text":"x","ref":{"kind":"reply","cid":"c","id":"i"}}`, false},
		{`{"text":"x","nick":"Ada"}`, false},
		{`{"nick":"Ada","text":"x"} `, false},
		{`{"nick": "Ada", "text": "x"}`, false},
		{`{"nick":1,"text":"x"}`, false},
		{`"just a string"`, false},
		{`{"nick":"Ada","text":"unterminated}`, false},
		{`{"nick":"` + string(make([]byte, 100)) + `","text":"x"}`, false},
	} {
		nick, text, ok := plainMessageData([]byte(tc.data), &nicks)
		if ok != tc.plain {
			t.Errorf("%q: plain %v, want %v", tc.data, ok, tc.plain)
		}
		if !ok {
			continue
		}
		wantNick, wantText := decodeMessageData(json.RawMessage(tc.data))
		if nick != wantNick || text != wantText || decodeRef(json.RawMessage(tc.data)) != nil {
			t.Errorf("%q: plain read %q %q, the decoder %q %q", tc.data, nick, text, wantNick, wantText)
		}
	}
}
