package chat

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// Private rooms cost CPU in two places a person could notice: sending (seal
// and sign) and opening a room whose history arrives from the relay
// (decrypt every message, verify every signature). Run natively and in Chromium:
//
//	go test -run '^$' -bench Private ./app/chat/
//	GOOS=js GOARCH=wasm go test -exec wasmbrowsertest -run '^$' -bench Private ./app/chat/

// BenchmarkPrivate_SealOpen1KB seals (signs, encrypts) a message of 1 KB of
// text and opens (decrypts, verifies) it.
func BenchmarkPrivate_SealOpen1KB(b *testing.B) {
	room := vectorRoom(b)
	ada := newPrivatePayload(room, "ada", LoadSigningKey(NewMemoryStore()))
	bob := newPrivatePayload(room, "bob", LoadSigningKey(NewMemoryStore()))
	body := messageData{Nick: "Ada", Text: strings.Repeat("x", 1024)}
	b.ReportAllocs()
	for b.Loop() {
		var f wire.ClientFrame
		if err := json.Unmarshal(ada.pubFrame("id-1", body), &f); err != nil {
			b.Fatal(err)
		}
		if o := bob.openMessage("ada", "id-1", f.Data); o.failure != "" {
			b.Fatal(o.failure)
		}
	}
}

// BenchmarkPrivate_History500 is what showing a room's 500 messages from
// the relay costs the client: one frame of 500 msgs applied to a fresh
// client, plain against private, up to the first View. In a private room
// that View's newest verifyFirst lines are verified and the older ones
// are still verifying (private_verify.go); "private-all" goes on until
// every signature is checked, which in a browser happens after the room
// shows, in chunks between which the page runs.
func BenchmarkPrivate_History500(b *testing.B) {
	room := vectorRoom(b)
	writers := []*privatePayload{
		newPrivatePayload(room, "ada", LoadSigningKey(NewMemoryStore())),
		newPrivatePayload(room, "bob", LoadSigningKey(NewMemoryStore())),
	}
	batches := map[bool][]byte{}
	for _, private := range []bool{false, true} {
		for i := range MaxHistory {
			w := writers[i%2]
			id := "m" + strconv.Itoa(i)
			body := messageData{Nick: w.cid, Text: "message number " + id + " with a few words in it"}
			var pub wire.ClientFrame
			if private {
				_ = json.Unmarshal(w.pubFrame(id, body), &pub)
			} else {
				_ = json.Unmarshal(plainPayload{}.pubFrame(id, body), &pub)
			}
			msg, _ := json.Marshal(wire.Msg{Type: wire.TypeMsg, Seq: uint64(i + 1), TS: 1, Conn: "c-" + w.cid, CID: w.cid, ID: id, Data: pub.Data})
			batches[private] = append(append(batches[private], msg...), '\n')
		}
	}
	for _, run := range []struct {
		name         string
		private, all bool
	}{{"plain", false, false}, {"private", true, false}, {"private-all", true, true}} {
		b.Run(run.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				// The manual clock holds the later chunks until Advance.
				clock := newManualClock()
				o := Options{CID: "reader", Nick: "Reader", Store: NewMemoryStore(), Clock: clock}
				if run.private {
					o.Private = &room
				}
				c := New(o)
				s := &session{}
				c.handleFrame(s, batches[run.private])
				v := c.View()
				if len(v.Lines) != MaxViewLines || v.Undecryptable+v.Unverified != 0 {
					b.Fatalf("%d lines, %d failures", len(v.Lines), v.Undecryptable+v.Unverified)
				}
				for _, l := range v.Lines[len(v.Lines)-verifyFirst:] {
					if l.Kind != LineMessage {
						b.Fatalf("a line the room opens on is %q", l.Text)
					}
				}
				if !run.all {
					continue
				}
				clock.Advance(0)
				for _, l := range c.View().Lines {
					if l.Kind != LineMessage {
						b.Fatalf("still %q after every chunk", l.Text)
					}
				}
			}
		})
	}
}

// BenchmarkPrivate_Reopen500 is what reopening a room with 500 stored
// messages costs: New reads the history from the Store. A private room's
// history is stored decrypted (private_client.go), so privacy adds nothing
// to a reload; only messages arriving from the relay are opened.
func BenchmarkPrivate_Reopen500(b *testing.B) {
	room := vectorRoom(b)
	for _, private := range []bool{false, true} {
		name, id := "plain", "it-room"
		if private {
			name, id = "private", room.RoomID()
		}
		store := NewMemoryStore()
		h := storedHistory{Seq: MaxHistory, Epoch: "e"}
		for i := range MaxHistory {
			m := storedMessage{Seq: uint64(i + 1), TS: 1, CID: "ada", ID: "m" + strconv.Itoa(i), Nick: "Ada", Text: "message number " + strconv.Itoa(i)}
			if private {
				m.Signer = vectorPublicKey
			}
			h.Messages = append(h.Messages, m)
		}
		storeHistory(b, store, id, h)
		key := vectorSigningKey()
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				o := Options{Room: "it-room", CID: "reader", Nick: "Reader", Store: store}
				if private {
					o.Private, o.SigningKey = &room, &key
				}
				if v := New(o).View(); len(v.Lines) != MaxViewLines {
					b.Fatalf("%d lines", len(v.Lines))
				}
			}
		})
	}
}
