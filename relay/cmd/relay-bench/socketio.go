package main

// Socket.IO 4 over Engine.IO 4, WebSocket transport only: what the seeds'
// own stack (a Socket.IO chat server with rooms, relay/bench/socketio-chat.js)
// speaks, so that relay-bench can load it like our relay.
//
// A connection opens ws://HOST/socket.io/?EIO=4&transport=websocket&room=R;
// the server sends the Engine.IO open packet (0{…}), the client connects to
// the default namespace (40) and waits for its confirmation (40{…}). An event
// is the message packet 4 carrying the Socket.IO EVENT packet 2: the frame
// 42["msg","PAYLOAD"]. Engine.IO 4's heartbeat comes from the server: a ping
// (2) that the client must answer with a pong (3) within pingTimeout.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/coder/websocket"
)

// protoSocketIO drives a Socket.IO 4 server whose clients name their room
// in the handshake query and send "msg" events, which the server emits to
// the whole room, the sender included.
const protoSocketIO = "socketio"

// socketIOEvent is the event relay-bench sends and counts.
const socketIOEvent = "msg"

var (
	// socketIODataMarker precedes the payload in a received event.
	socketIODataMarker = []byte(`42["` + socketIOEvent + `","` + payloadPrefix)
	socketIOPing       = []byte("2")
	socketIOPong       = []byte("3")
)

// socketIOURL is the Engine.IO WebSocket URL of one connection into room:
// base's host, Socket.IO's default path unless base names one.
func socketIOURL(base *url.URL, room string) string {
	u := *base
	if u.Path == "" || u.Path == "/" {
		u.Path = "/socket.io/"
	}
	q := u.Query()
	q.Set("EIO", "4")
	q.Set("transport", "websocket")
	q.Set("room", room)
	u.RawQuery = q.Encode()
	return u.String()
}

// socketIOConnect completes a Socket.IO connection on a fresh WebSocket:
// Engine.IO's open packet, then the connection to the default namespace.
func socketIOConnect(ctx context.Context, conn *websocket.Conn) error {
	_, frame, err := conn.Read(ctx)
	if err != nil {
		return fmt.Errorf("wait for the Engine.IO open packet: %w", err)
	}
	skipStamp(ctx) // the receiver's messages start after the handshake's
	if !bytes.HasPrefix(frame, []byte("0{")) {
		return fmt.Errorf("first frame is not an Engine.IO open packet: %.80q", frame)
	}
	if err := conn.Write(ctx, websocket.MessageText, []byte("40")); err != nil {
		return fmt.Errorf("connect to the namespace: %w", err)
	}
	for {
		_, frame, err = conn.Read(ctx)
		if err != nil {
			return fmt.Errorf("wait for the namespace: %w", err)
		}
		skipStamp(ctx)
		switch {
		case bytes.HasPrefix(frame, []byte("40")):
			return nil
		case bytes.Equal(frame, socketIOPing):
			if err := conn.Write(ctx, websocket.MessageText, socketIOPong); err != nil {
				return err
			}
		case bytes.HasPrefix(frame, []byte("44")):
			return fmt.Errorf("namespace refused: %.80q", frame)
		default:
			return errors.New("unexpected frame before the namespace connected")
		}
	}
}

// answerSocketIOPing answers an Engine.IO ping and reports whether frame was one.
func answerSocketIOPing(conn *websocket.Conn, frame []byte) bool {
	if !bytes.Equal(frame, socketIOPing) {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	_ = conn.Write(ctx, websocket.MessageText, socketIOPong)
	return true
}

// appendSocketIOEvent appends a "msg" event carrying the payload.
func appendSocketIOEvent(dst []byte, pub int, n uint64, sentNS int64) []byte {
	dst = append(dst, `42["`+socketIOEvent+`","`...)
	dst = appendPayload(dst, pub, n, sentNS)
	return append(dst, `"]`...)
}
