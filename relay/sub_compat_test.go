package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// rawObjects reads n objects from conn as the relay sent them, bytes and all.
func rawObjects(t *testing.T, c *testClient, n int) []string {
	t.Helper()
	var got []string
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for len(got) < n {
		_, data, err := c.conn.Read(ctx)
		if err != nil {
			t.Fatalf("read after %d objects %q: %v", len(got), got, err)
		}
		_ = wire.Split(data, func(object []byte) error {
			got = append(got, string(object))
			return nil
		})
	}
	if len(got) != n {
		t.Fatalf("got %d objects %q, want %d", len(got), got, n)
	}
	return got
}

// rawDial connects a client whose frames the test reads itself.
func rawDial(t *testing.T, tr *testRelay, query string) *testClient {
	t.Helper()
	conn, _, err := tr.dialRaw(query, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn.SetReadLimit(-1)
	c := &testClient{t: t, conn: conn}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return c
}

// TestSub_NeverSubbedConnectionGetsChatV1Bytes: a client that never sends
// sub, unsub or signal gets exactly the objects of chat.v1 before the
// extension, byte for byte, while another connection uses every new frame
// in the same room.
func TestSub_NeverSubbedConnectionGetsChatV1Bytes(t *testing.T) {
	tr := startRelay(t, Config{})
	fillRoom(t, tr, "r", 1)
	ada := rawDial(t, tr, query("r", "ada", "since", "0"))
	welcome := rawObjects(t, ada, 2)
	var w wire.Welcome
	if err := json.Unmarshal([]byte(welcome[0]), &w); err != nil {
		t.Fatal(err)
	}
	wantWelcome := fmt.Sprintf(`{"type":"welcome","conn":"%s","room":"r","seq":1,"peers":[],"ping_ms":25000,"recovered":true,"max_message":65536,"epoch":"%s"}`, w.Conn, w.Epoch)
	if welcome[0] != wantWelcome {
		t.Fatalf("welcome\n got %s\nwant %s", welcome[0], wantWelcome)
	}
	var replay wire.Msg
	_ = json.Unmarshal([]byte(welcome[1]), &replay)
	if want := fmt.Sprintf(`{"type":"msg","seq":1,"ts":%d,"conn":"%s","cid":"filler","id":"f1","data":1}`, replay.TS, replay.Conn); welcome[1] != want {
		t.Fatalf("replay\n got %s\nwant %s", welcome[1], want)
	}

	// bob is in r and s, and uses every new frame.
	bob := tr.dial(t, query("s", "bob"))
	bob.expect(wire.TypeWelcome)
	bob.send(subFrame("r", -1, "", ""))
	bw := bob.expectIn("r", wire.TypeWelcome)
	bob.send(`{"type":"meta","room":"r","data":{"nick":"Bob"}}`)
	bob.expectIn("r", wire.TypeMeta)
	bob.send(`{"type":"signal","room":"r","data":{"typing":true}}`)
	bob.pubIn("r", "b1", "hi")
	bob.expectIn("r", wire.TypeMsg)
	bob.send(wire.ClientFrame{Type: wire.TypeUnsub, Room: "r"})
	bob.expectIn("r", wire.TypeLeave)
	ada.send(`{"type":"pub","id":"a1","data":{"text":"x"}}`)
	ada.send(`{"type":"shout"}`)
	ada.send(`{"type":"ping"}`)

	got := rawObjects(t, ada, 8)
	var msg wire.Msg
	_ = json.Unmarshal([]byte(got[3]), &msg)
	var own wire.Msg
	_ = json.Unmarshal([]byte(got[5]), &own)
	want := []string{
		fmt.Sprintf(`{"type":"join","peer":{"conn":"%s","cid":"bob","meta":null}}`, bw.Conn),
		fmt.Sprintf(`{"type":"meta","conn":"%s","meta":{"nick":"Bob"}}`, bw.Conn),
		fmt.Sprintf(`{"type":"signal","conn":"%s","cid":"bob","data":{"typing":true}}`, bw.Conn),
		fmt.Sprintf(`{"type":"msg","seq":2,"ts":%d,"conn":"%s","cid":"bob","id":"b1","data":"hi"}`, msg.TS, bw.Conn),
		fmt.Sprintf(`{"type":"leave","conn":"%s","cid":"bob"}`, bw.Conn),
		fmt.Sprintf(`{"type":"msg","seq":3,"ts":%d,"conn":"%s","cid":"ada","id":"a1","data":{"text":"x"}}`, own.TS, w.Conn),
		`{"type":"error","code":"bad_frame","text":"bad frame: unknown type \"shout\""}`,
		`{"type":"pong"}`,
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("object %d\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}
