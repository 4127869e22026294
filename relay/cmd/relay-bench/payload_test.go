package main

import "testing"

func TestPayload_RoundTrip_Chat(t *testing.T) {
	frame := appendPub(nil, 3, 42, 1234567890)
	// What the relay makes of it: a msg object with the same data.
	object := []byte(`{"type":"msg","seq":7,"ts":1,"conn":"c","cid":"x","id":"42","data":"` +
		string(appendPayload(nil, 3, 42, 1234567890)) + `"}`)
	if string(frame) != `{"type":"pub","id":"42","data":"bench:3:42:1234567890"}` {
		t.Fatalf("pub frame = %s", frame)
	}
	rest, ok := payloadAt(object, protoChat)
	if !ok {
		t.Fatal("payload not found in msg")
	}
	pub, n, sent, ok := parsePayload(rest)
	if !ok || pub != 3 || n != 42 || sent != 1234567890 {
		t.Fatalf("parsePayload = %d %d %d %v", pub, n, sent, ok)
	}
}

func TestPayload_IgnoresOtherObjects(t *testing.T) {
	for _, object := range []string{`{"type":"welcome","conn":"a"}`, `{"type":"join","peer":{}}`, `{"type":"msg","data":{"x":1}}`} {
		if _, ok := payloadAt([]byte(object), protoChat); ok {
			t.Errorf("payloadAt(%s) found a payload", object)
		}
	}
	if _, ok := payloadAt([]byte("hello"), protoRaw); ok {
		t.Error("raw: payloadAt(hello) found a payload")
	}
	if _, _, _, ok := parsePayload([]byte("1:x:3")); ok {
		t.Error("parsePayload accepted a malformed payload")
	}
}
