package relay

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatpwa/chat/relay/wire"
)

// TestServer_Hijack_LargeFramesBothWays publishes frames larger than the
// small hijacked buffers: the relay reads them and writes them to every member.
func TestServer_Hijack_LargeFramesBothWays(t *testing.T) {
	tr := startRelay(t, Config{})
	a := tr.dial(t, query("big", "a"))
	a.expect(wire.TypeWelcome)
	b := tr.dial(t, query("big", "b"))
	b.expect(wire.TypeWelcome)
	a.expect(wire.TypeJoin)

	for i, size := range []int{DefaultHijackReadBuffer - 100, 2000, 5000, 40 << 10} {
		text := strings.Repeat(string(rune('a'+i)), size)
		id := fmt.Sprintf("m%d", i)
		a.pub(id, text)
		want, _ := json.Marshal(text)
		for _, c := range []*testClient{a, b} {
			if m := c.expect(wire.TypeMsg); m.ID != id || !bytes.Equal(m.Data, want) {
				t.Fatalf("size %d: got msg id %q with %d bytes of data, want %q with %d", size, m.ID, len(m.Data), id, len(want))
			}
		}
	}
	a.quiet()
	b.quiet()
}

// TestSmallBufferHijacker_KeepsPipelinedBytes sends the upgrade request and
// frames in one write, so that net/http has read the frames into its own
// buffer by the time the handler hijacks: they must come out of the new one.
func TestSmallBufferHijacker_KeepsPipelinedBytes(t *testing.T) {
	for _, size := range []int{5, DefaultHijackReadBuffer + 1500} {
		t.Run(fmt.Sprintf("payload%d", size), func(t *testing.T) {
			type hijacked struct {
				buffered, readSize, writeSize int
				payload                       []byte
				err                           error
			}
			got := make(chan hijacked, 1)
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, brw, err := withSmallHijackBuffers(w, func() {}).Hijack()
				if err != nil {
					got <- hijacked{err: err}
					return
				}
				defer conn.Close()
				h := hijacked{buffered: brw.Reader.Buffered(), readSize: brw.Reader.Size(), writeSize: brw.Writer.Size()}
				h.payload = make([]byte, h.buffered)
				_, h.err = io.ReadFull(brw, h.payload)
				got <- h
			}))
			defer ts.Close()

			conn, err := net.DialTimeout("tcp", ts.Listener.Addr().String(), waitTimeout)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			defer conn.Close()
			frame := maskedTextFrame(bytes.Repeat([]byte("x"), size))
			request := "GET / HTTP/1.1\r\nHost: relay\r\n\r\n"
			if _, err := conn.Write(append([]byte(request), frame...)); err != nil {
				t.Fatalf("write: %v", err)
			}
			var h hijacked
			select {
			case h = <-got:
			case <-time.After(waitTimeout):
				t.Fatalf("handler did not hijack within %v", waitTimeout)
			}
			if h.err != nil {
				t.Fatalf("hijack: %v", h.err)
			}
			if h.buffered != len(frame) {
				t.Fatalf("new reader buffers %d bytes, want the whole pipelined frame (%d)", h.buffered, len(frame))
			}
			if !bytes.Equal(h.payload, frame) {
				t.Fatal("pipelined bytes changed on the way through Hijack")
			}
			if want := max(DefaultHijackReadBuffer, len(frame)); h.readSize != want || h.writeSize != DefaultHijackWriteBuffer {
				t.Fatalf("buffer sizes read %d write %d, want %d and %d", h.readSize, h.writeSize, want, DefaultHijackWriteBuffer)
			}
		})
	}
}

// TestSmallBufferHijacker_AcceptEchoesPipelinedFrame runs websocket.Accept
// over the wrapper: a frame sent in the same write as the handshake, and
// frames larger than both buffers, reach the server and come back intact.
func TestSmallBufferHijacker_AcceptEchoesPipelinedFrame(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(withSmallHijackBuffers(w, func() {}), r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(-1)
		ctx := context.Background()
		for {
			typ, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			if err := c.Write(ctx, typ, data); err != nil {
				return
			}
		}
	}))
	defer ts.Close()

	conn, err := net.DialTimeout("tcp", ts.Listener.Addr().String(), waitTimeout)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(waitTimeout)); err != nil {
		t.Fatalf("deadline: %v", err)
	}
	payloads := [][]byte{[]byte("pipelined"), bytes.Repeat([]byte("y"), 3000), bytes.Repeat([]byte("z"), 70000)}
	request := "GET / HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	if _, err := conn.Write(append([]byte(request), maskedTextFrame(payloads[0])...)); err != nil {
		t.Fatalf("write handshake and first frame: %v", err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read handshake response: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake status %d, want 101", resp.StatusCode)
	}
	for i, want := range payloads {
		if i > 0 {
			if _, err := conn.Write(maskedTextFrame(want)); err != nil {
				t.Fatalf("write frame %d: %v", i, err)
			}
		}
		got, err := readServerFrame(br)
		if err != nil {
			t.Fatalf("read echo %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("echo %d: got %d bytes, want %d bytes", i, len(got), len(want))
		}
	}
}

// maskedTextFrame encodes a final text frame as a client sends it.
func maskedTextFrame(payload []byte) []byte {
	frame := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		frame = append(frame, 0x80|byte(n))
	case n <= 0xffff:
		frame = append(frame, 0x80|126)
		frame = binary.BigEndian.AppendUint16(frame, uint16(n))
	default:
		frame = append(frame, 0x80|127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	frame = append(frame, key[:]...)
	for i, b := range payload {
		frame = append(frame, b^key[i%4])
	}
	return frame
}

// readServerFrame reads one unmasked, final frame and returns its payload.
func readServerFrame(r *bufio.Reader) ([]byte, error) {
	var head [2]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	if head[0] != 0x81 || head[1]&0x80 != 0 {
		return nil, fmt.Errorf("unexpected frame header % x", head)
	}
	n := uint64(head[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return nil, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return nil, err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	payload := make([]byte, n)
	_, err := io.ReadFull(r, payload)
	return payload, err
}
