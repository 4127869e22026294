package chat

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// plainReader.msg is a shortcut: wherever it answers, it must answer what
// json.Unmarshal does, and it must answer for what the relay writes; also
// when one plainReader reads all of them, as the objects of a frame (the
// same room, conn and cid again, then others).
func TestPlainMsg_AgreesWithTheDecoder(t *testing.T) {
	var r plainReader
	relayWrites, err := json.Marshal(wire.Msg{Type: wire.TypeMsg, Seq: 42, TS: 1_740_000_000_123, Conn: "c1", CID: "cid-1", ID: "m-1", Data: json.RawMessage(`{"nick":"Ada","text":"hi"}`)})
	if err != nil {
		t.Fatal(err)
	}
	tagged := `{"type":"msg","room":"lobby",` + strings.TrimPrefix(string(relayWrites), `{"type":"msg",`)
	for _, tc := range []struct {
		object string
		plain  bool
	}{
		{string(relayWrites), true},
		{tagged, true},
		{strings.Replace(tagged, `"lobby"`, `"kitchen"`, 1), true},
		{strings.Replace(strings.Replace(tagged, `"c1"`, `"c2"`, 1), `"cid-1"`, `"cid-2"`, 1), true},
		{tagged, true},
		{`{"type":"msg","room":"lobby","seq":3,"ts":4,"conn":"c1","cid":"cid-1","id":"m-3","data":{"nick":"Ada","text":"x"},"more":1}`, false},
		{`{"type":"msg","seq":1,"ts":2,"conn":"c","cid":"x","id":"i","data":{"nick":"Ada","text":"x"}}`, true},
		{`{"type":"msg","seq":1,"ts":2,"conn":"c","cid":"x","id":"i","data":{"nick":"Ada","text":"x"}`, false},
		{`{"type":"msg","seq":1,"ts":2,"conn":"c","cid":"x","id":"i","data":{"nick":"Ada","text":"x"}}}`, false},
		{`{"type":"msg","seq":0,"ts":0,"conn":"","cid":"","id":"","data":null}`, true},
		{`{"type":"msg","seq":1,"ts":2,"conn":"c","cid":"x","id":"i","data":"a string"}`, true},
		{`{"type":"msg","seq":1,"ts":2,"conn":"c","cid":"x","id":"i","data":[1,{"a":"}"}]}`, true},
		{`{"type":"msg","seq":1,"ts":2,"conn":"c","cid":"x","id":"i\u00e9","data":1}`, false},
		{`{"type":"msg","seq":01,"ts":2,"conn":"c","cid":"x","id":"i","data":1}`, false},
		{`{"type":"msg","seq":1.5,"ts":2,"conn":"c","cid":"x","id":"i","data":1}`, false},
		{`{"type":"msg","seq":1,"ts":-2,"conn":"c","cid":"x","id":"i","data":1}`, false},
		{`{"type":"msg","seq":18446744073709551616,"ts":2,"conn":"c","cid":"x","id":"i","data":1}`, false},
		{`{"type":"msg","seq":1,"ts":9223372036854775808,"conn":"c","cid":"x","id":"i","data":1}`, false},
		{`{"type":"msg","seq":1,"ts":2,"conn":"c","cid":"x","id":"i","data":{"a":1}`, false},
		{`{"type":"msg","seq":1,"ts":2,"conn":"c","cid":"x","id":"i","data":1},"x":{"y":2}`, false},
		{`{"type":"msg","seq":1,"ts":2,"conn":"c","cid":"x","id":"i","data":}`, false},
		{`{"type":"msg","seq":1,"ts":2,"conn":"c","cid":"x","id":"i"}`, false},
		{`{"type":"msg","seq":1,"ts":2,"cid":"x","conn":"c","id":"i","data":1}`, false},
		{`{"type":"msg", "seq":1,"ts":2,"conn":"c","cid":"x","id":"i","data":1}`, false},
		{"{\"type\":\"msg\",\"seq\":1,\"ts\":2,\"conn\":\"c\",\"cid\":\"\xff\",\"id\":\"i\",\"data\":1}", false},
		{`{"type":"welcome","seq":1}`, false},
		{`{"type":"msg","seq":1,"ts":2,"conn":"c","cid":"x","id":"i","data":1 }`, false},
		{`{"type":"msg","seq":1,"ts":2,"conn":"c","cid":"x","id":"i","data": 1}`, false},
	} {
		var plain wire.ServerFrame
		ok := r.msg([]byte(tc.object), &plain)
		if ok != tc.plain {
			t.Errorf("%s: plain %v, want %v", tc.object, ok, tc.plain)
		}
		if !ok {
			continue
		}
		var decoded wire.ServerFrame
		if err := json.Unmarshal([]byte(tc.object), &decoded); err != nil {
			t.Errorf("%s: plain read it, json.Unmarshal says %v", tc.object, err)
			continue
		}
		if !reflect.DeepEqual(plain, decoded) {
			t.Errorf("%s:\nplain   %+v\ndecoded %+v", tc.object, plain, decoded)
		}
	}
}
