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
