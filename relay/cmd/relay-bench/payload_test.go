package main

import (
	"net/url"
	"testing"
)

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

func TestPayload_RoundTrip_SocketIO(t *testing.T) {
	// A Socket.IO server emits the event it received unchanged to the room.
	frame := appendSocketIOEvent(nil, 3, 42, 1234567890)
	if string(frame) != `42["msg","bench:3:42:1234567890"]` {
		t.Fatalf("event frame = %s", frame)
	}
	rest, ok := payloadAt(frame, protoSocketIO)
	if !ok {
		t.Fatal("payload not found in the event")
	}
	if pub, n, sent, ok := parsePayload(rest); !ok || pub != 3 || n != 42 || sent != 1234567890 {
		t.Fatalf("parsePayload = %d %d %d %v", pub, n, sent, ok)
	}
	for _, other := range []string{"2", "3", `40{"sid":"x"}`, `42["join","bench:1:2:3"]`} {
		if _, ok := payloadAt([]byte(other), protoSocketIO); ok {
			t.Errorf("payloadAt(%s) found a payload", other)
		}
	}
}

func TestSocketIOURL_EngineIOWebSocketTransportWithRoom(t *testing.T) {
	for base, want := range map[string]string{
		"ws://127.0.0.1:18100/":       "ws://127.0.0.1:18100/socket.io/?EIO=4&room=r1&transport=websocket",
		"ws://127.0.0.1:18100":        "ws://127.0.0.1:18100/socket.io/?EIO=4&room=r1&transport=websocket",
		"ws://127.0.0.1:18100/chat/x": "ws://127.0.0.1:18100/chat/x?EIO=4&room=r1&transport=websocket",
	} {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		if got := socketIOURL(u, "r1"); got != want {
			t.Errorf("socketIOURL(%s) = %s, want %s", base, got, want)
		}
	}
}
