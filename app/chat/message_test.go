package chat

import (
	"encoding/json"
	"testing"
)

// plainMessageData is a shortcut: wherever it answers, it must answer what
// the decoder does.
func TestPlainMessageData_AgreesWithTheDecoder(t *testing.T) {
	mine := encodeJSON(messageData{Nick: "Ada", Text: "hello, wörld 👋 <b>"}) // as this client writes it
	for _, tc := range []struct {
		data  string
		plain bool
	}{
		{string(mine), true},
		{`{"nick":"Ada","text":""}`, true},
		{`{"nick":"","text":"no nick"}`, true},
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
		nick, text, ok := plainMessageData([]byte(tc.data))
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
