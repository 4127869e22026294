package chat

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// sealedData is the data of a pub that cid's payload writes for body under id.
func sealedData(t *testing.T, pp *privatePayload, id string, body messageData) (frame wire.ClientFrame, envelope []byte) {
	t.Helper()
	if err := json.Unmarshal(pp.pubFrame(id, body), &frame); err != nil {
		t.Fatal(err)
	}
	var encoded string
	if err := json.Unmarshal(frame.Data, &encoded); err != nil {
		t.Fatalf("pub data %s is not a JSON string: %v", frame.Data, err)
	}
	envelope, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		t.Fatal(err)
	}
	return frame, envelope
}

func dataOf(envelope []byte) json.RawMessage {
	return json.RawMessage(`"` + base64.RawURLEncoding.EncodeToString(envelope) + `"`)
}

func TestPrivatePayload_RoundTripOfMessagesAndMeta(t *testing.T) {
	room := vectorRoom(t)
	ada := newPrivatePayload(room, "ada", LoadSigningKey(NewMemoryStore()))
	bob := newPrivatePayload(room, "bob", LoadSigningKey(NewMemoryStore()))
	for _, text := range []string{"hi", strings.Repeat("é", 300), `<b>"quoted"</b> \ back`, strings.Repeat("x", 5000)} {
		frame, envelope := sealedData(t, ada, "id-1", messageData{Nick: "Ada", Text: text})
		if frame.Type != wire.TypePub || frame.ID != "id-1" {
			t.Fatalf("frame %+v", frame)
		}
		if (len(envelope)-envelopeOverhead)%paddingBucket != 0 {
			t.Errorf("envelope of %d bytes is not padded to a %d-byte bucket", len(envelope), paddingBucket)
		}
		if got := ada.pubSize("id-1", messageData{Nick: "Ada", Text: text}); got != len(ada.pubFrame("id-1", messageData{Nick: "Ada", Text: text})) {
			t.Errorf("pubSize = %d, the frame is %d bytes", got, len(ada.pubFrame("id-1", messageData{Nick: "Ada", Text: text})))
		}
		o := bob.openMessage("ada", "id-1", frame.Data)
		if o.failure != "" || o.body.Text != text || o.body.Nick != "Ada" || o.signer != ada.key.PublicKey() {
			t.Errorf("Bob opens %q as %+v", text, o)
		}
	}
	var meta wire.ClientFrame
	_ = json.Unmarshal(ada.metaFrame("Ada L."), &meta)
	if o := bob.openMeta("ada", meta.Data); o.failure != "" || o.body.Nick != "Ada L." || o.signer != ada.key.PublicKey() {
		t.Errorf("Bob opens Ada's meta as %+v", o)
	}
	if o := bob.openMeta("ada", json.RawMessage("null")); o.failure != "" || o.body.Nick != "" {
		t.Errorf("no meta yet opens as %+v, want nothing and no failure", o)
	}
	// The same plaintext sealed twice never looks the same (random nonce).
	_, e1 := sealedData(t, ada, "id-1", messageData{Nick: "Ada", Text: "hi"})
	_, e2 := sealedData(t, ada, "id-1", messageData{Nick: "Ada", Text: "hi"})
	if string(e1) == string(e2) {
		t.Error("two seals of one message are identical")
	}
}

// Every way an envelope can be wrong opens as one failure, never garbage.
func TestPrivatePayload_TamperedEnvelopesNeverOpen(t *testing.T) {
	room := vectorRoom(t)
	ada := newPrivatePayload(room, "ada", LoadSigningKey(NewMemoryStore()))
	bob := newPrivatePayload(room, "bob", LoadSigningKey(NewMemoryStore()))
	otherKey, _ := NewPrivateRoom(room.Name) // same name, another key
	eve := newPrivatePayload(otherKey, "eve", LoadSigningKey(NewMemoryStore()))
	_, envelope := sealedData(t, ada, "id-1", messageData{Nick: "Ada", Text: "the plan"})
	flip := func(i int) []byte {
		e := append([]byte(nil), envelope...)
		e[i] ^= 0x01
		return e
	}
	version := append([]byte(nil), envelope...)
	version[0] = 2
	cases := []struct {
		name      string
		reader    *privatePayload
		cid, id   string
		data      json.RawMessage
		wantError error
	}{
		{"flipped nonce", bob, "ada", "id-1", dataOf(flip(1)), errEnvelopeOpen},
		{"flipped ciphertext", bob, "ada", "id-1", dataOf(flip(40)), errEnvelopeOpen},
		{"flipped tag", bob, "ada", "id-1", dataOf(flip(len(envelope) - 1)), errEnvelopeOpen},
		{"truncated by one byte", bob, "ada", "id-1", dataOf(envelope[:len(envelope)-1]), errEnvelopeOpen},
		{"truncated to the header", bob, "ada", "id-1", dataOf(envelope[:envelopeOverhead-1]), errEnvelopeTruncated},
		{"empty", bob, "ada", "id-1", dataOf(nil), errEnvelopeTruncated},
		{"unknown version", bob, "ada", "id-1", dataOf(version), errEnvelopeVersion},
		{"wrong key (same name)", eve, "ada", "id-1", dataOf(envelope), errEnvelopeOpen},
		{"replayed under a new id", bob, "ada", "id-2", dataOf(envelope), errEnvelopeOpen},
		{"replayed under another cid", bob, "eve", "id-1", dataOf(envelope), errEnvelopeOpen},
		{"not base64url", bob, "ada", "id-1", json.RawMessage(`"AQ+/"`), nil},
		{"not a string", bob, "ada", "id-1", json.RawMessage(`{"nick":"Ada","text":"plain"}`), nil},
		{"null", bob, "ada", "id-1", json.RawMessage(`null`), nil},
	}
	for _, tc := range cases {
		o := tc.reader.openMessage(tc.cid, tc.id, tc.data)
		if o.failure != failUndecryptable || !reflect.DeepEqual(o.body, messageData{}) || o.signer != "" {
			t.Errorf("%s: opened as %+v, want only failure %q", tc.name, o, failUndecryptable)
		}
		if tc.wantError == nil {
			continue
		}
		if envelope, err := base64.RawURLEncoding.DecodeString(strings.Trim(string(tc.data), `"`)); err == nil {
			b := binding{kind: kindMessage, room: tc.reader.room, cid: tc.cid, id: tc.id}
			if _, err := tc.reader.sealer.open(b, envelope); err != tc.wantError {
				t.Errorf("%s: sealer.open error %v, want %v", tc.name, err, tc.wantError)
			}
		}
	}
}

// The AAD binds room, cid, id and kind: the same ciphertext does not open
// anywhere else.
func TestEnvelope_AADMismatch(t *testing.T) {
	room := vectorRoom(t)
	s := newSealer(room)
	b := binding{kind: kindMessage, room: room.RoomID(), cid: "ada", id: "id-1"}
	envelope, err := s.seal(b, []byte(`{"x":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if plaintext, err := s.open(b, envelope); err != nil || strings.TrimRight(string(plaintext), " ") != `{"x":1}` {
		t.Fatalf("open with the right binding: %q, %v", plaintext, err)
	}
	for name, other := range map[string]binding{
		"other id":       {kind: kindMessage, room: b.room, cid: "ada", id: "id-2"},
		"other room":     {kind: kindMessage, room: "p-AAAAAAAAAAAAAAAAAAAAAA", cid: "ada", id: "id-1"},
		"other cid":      {kind: kindMessage, room: b.room, cid: "bob", id: "id-1"},
		"as a meta":      {kind: kindMeta, room: b.room, cid: "ada"},
		"fields shifted": {kind: kindMessage, room: b.room, cid: "adai", id: "d-1"},
	} {
		if _, err := s.open(other, envelope); err != errEnvelopeOpen {
			t.Errorf("%s: open error %v, want %v", name, err, errEnvelopeOpen)
		}
	}
	if _, err := s.seal(binding{id: strings.Repeat("x", 256)}, nil); err != errBindingTooLong {
		t.Errorf("a 256-byte field sealed: %v", err)
	}
}

// A message that decrypts but whose signature does not check out is
// "unverified": someone with the room's key wrote it under another's key.
func TestPrivatePayload_BadSignaturesAreUnverified(t *testing.T) {
	room := vectorRoom(t)
	ada := newPrivatePayload(room, "ada", LoadSigningKey(NewMemoryStore()))
	mallory := newPrivatePayload(room, "ada", LoadSigningKey(NewMemoryStore())) // claims Ada's cid
	bob := newPrivatePayload(room, "bob", LoadSigningKey(NewMemoryStore()))
	b := binding{kind: kindMessage, room: room.RoomID(), cid: "ada", id: "id-1"}
	body := encodeJSON(messageData{Nick: "Ada", Text: "pay Mallory"})
	sig, _ := mallory.key.sign(b, body)
	adaSig, _ := ada.key.sign(b, body)
	otherID := b
	otherID.id = "id-0"
	sigOtherID, _ := ada.key.sign(otherID, body)
	seal := func(p signedPlaintext) json.RawMessage {
		envelope, err := bob.sealer.seal(b, encodeJSON(p))
		if err != nil {
			t.Fatal(err)
		}
		return dataOf(envelope)
	}
	enc := base64.RawURLEncoding.EncodeToString
	for name, p := range map[string]signedPlaintext{
		"Ada's key, Mallory's signature": {Body: body, PK: ada.key.PublicKey(), Sig: enc(sig)},
		"signature of another id":        {Body: body, PK: ada.key.PublicKey(), Sig: enc(sigOtherID)},
		"body changed after signing":     {Body: encodeJSON(messageData{Nick: "Ada", Text: "pay Mal"}), PK: ada.key.PublicKey(), Sig: enc(adaSig)},
		"no signature":                   {Body: body, PK: ada.key.PublicKey()},
		"no key":                         {Body: body, Sig: enc(adaSig)},
		"short key":                      {Body: body, PK: "IVL40Zt5", Sig: enc(adaSig)},
	} {
		if o := bob.openMessage("ada", "id-1", seal(p)); o.failure != failUnverified || !reflect.DeepEqual(o.body, messageData{}) {
			t.Errorf("%s: opened as %+v, want %q", name, o, failUnverified)
		}
	}
	// Mallory signing with her own key is verified, as herself: the client
	// then decides it is not Ada's (TestPrivateClient_ForgedMessageIsNeverMine).
	if o := bob.openMessage("ada", "id-1", seal(signedPlaintext{Body: body, PK: mallory.key.PublicKey(), Sig: enc(sig)})); o.failure != "" || o.signer != mallory.key.PublicKey() {
		t.Errorf("Mallory's own signature: %+v", o)
	}
}

// maxText is exact: a text of maxText bytes fits the relay's limit, one
// bucket more does not.
func TestPrivatePayload_MaxTextFitsTheFrameLimit(t *testing.T) {
	pp := newPrivatePayload(vectorRoom(t), "ada-install-1", LoadSigningKey(NewMemoryStore()))
	id := strings.Repeat("i", 32)
	for _, limit := range []int{DefaultMaxMessage, 4096, 1000, 700} {
		n := pp.maxText(limit, "Ada")
		body := messageData{Nick: "Ada", Text: strings.Repeat("a", n)}
		if size := len(pp.pubFrame(id, body)); size > limit {
			t.Errorf("limit %d: a %d-byte text makes a %d-byte frame", limit, n, size)
		}
		body.Text = strings.Repeat("a", n+1)
		if size := len(pp.pubFrame(id, body)); size <= limit && n > 0 {
			t.Errorf("limit %d: %d bytes still fit, maxText %d is too small", limit, n+1, n)
		}
	}
}

// Opening a whole frame at once (a history replay, a welcome's peers) gives
// exactly what opening each payload alone gives, failures included (a
// frame this short is verified whole before it is applied).
func TestPrivatePayload_OpenFramesMatchesOpeningOneByOne(t *testing.T) {
	room := vectorRoom(t)
	ada := newPrivatePayload(room, "ada", LoadSigningKey(NewMemoryStore()))
	bob := newPrivatePayload(room, "bob", LoadSigningKey(NewMemoryStore()))
	reader := newPrivatePayload(room, "reader", LoadSigningKey(NewMemoryStore()))
	var frames []wire.ServerFrame
	for i, w := range []*privatePayload{ada, bob, ada, bob} {
		id := "m" + string(rune('0'+i))
		frame, envelope := sealedData(t, w, id, messageData{Nick: w.cid, Text: "text " + id})
		frames = append(frames, wire.ServerFrame{Type: wire.TypeMsg, CID: w.cid, ID: id, Data: frame.Data})
		if i == 3 {
			envelope[len(envelope)-1] ^= 1 // tampered: does not decrypt
			frames = append(frames, wire.ServerFrame{Type: wire.TypeMsg, CID: w.cid, ID: id + "x", Data: dataOf(envelope)})
		}
	}
	// Sealed by Ada, claimed by Bob's cid: does not open (the AAD binds the cid).
	frames = append(frames, wire.ServerFrame{Type: wire.TypeMsg, CID: "bob", ID: "m0", Data: frames[0].Data})
	// Signed by Ada's key over another statement: decrypts, fails to verify.
	forged := *ada
	forged.key = bob.key
	forged.key.public = ada.key.public
	frame, _ := sealedData(t, &forged, "m9", messageData{Nick: "Ada", Text: "forged"})
	frames = append(frames, wire.ServerFrame{Type: wire.TypeMsg, CID: "ada", ID: "m9", Data: frame.Data})
	var adaMeta, bobMeta wire.ClientFrame
	_ = json.Unmarshal(ada.metaFrame("Ada"), &adaMeta)
	_ = json.Unmarshal(bob.metaFrame("Bob"), &bobMeta)
	frames = append(frames,
		wire.ServerFrame{Type: wire.TypeWelcome, Peers: []wire.Peer{{Conn: "c1", CID: "ada", Meta: adaMeta.Data}, {Conn: "c2", CID: "bob"}, {Conn: "c3", CID: "eve", Meta: bobMeta.Data}}},
		wire.ServerFrame{Type: wire.TypeJoin, Peer: &wire.Peer{Conn: "c4", CID: "bob", Meta: bobMeta.Data}},
		wire.ServerFrame{Type: wire.TypeLeave, Conn: "c2"},
	)

	got := reader.openFrames(frames)
	failures := map[string]int{}
	for i, f := range frames {
		switch f.Type {
		case wire.TypeMsg:
			want := reader.openMessage(f.CID, f.ID, f.Data)
			if !reflect.DeepEqual(got[i].msg, want) {
				t.Errorf("msg %s from %s: opened as %+v in a batch, %+v alone", f.ID, f.CID, got[i].msg, want)
			}
			failures[want.failure]++
		case wire.TypeWelcome, wire.TypeJoin:
			peers := f.Peers
			if f.Peer != nil {
				peers = []wire.Peer{*f.Peer}
			}
			if len(got[i].peers) != len(peers) {
				t.Fatalf("%s: %d peers opened, want %d", f.Type, len(got[i].peers), len(peers))
			}
			for j, p := range peers {
				want := reader.openMeta(p.CID, p.Meta)
				if !reflect.DeepEqual(got[i].peers[j], want) {
					t.Errorf("%s peer %s: opened as %+v in a batch, %+v alone", f.Type, p.Conn, got[i].peers[j], want)
				}
				failures[want.failure]++
			}
		}
	}
	// The cases above cover what they claim: 4 messages and 2 metas open,
	// one peer has no meta yet, 3 do not decrypt (tampered, and a message
	// and a meta under another cid), 1 does not verify.
	if want := map[string]int{"": 7, failUndecryptable: 3, failUnverified: 1}; !maps.Equal(failures, want) {
		t.Errorf("outcomes %v, want %v", failures, want)
	}
}

// An envelope's JSON string is read in place when it has nothing to
// unescape (envelopeText); one with escapes, which JSON allows, opens the
// same.
func TestPrivatePayload_EnvelopeInAnEscapedStringOpens(t *testing.T) {
	room := vectorRoom(t)
	ada := newPrivatePayload(room, "ada", LoadSigningKey(NewMemoryStore()))
	frame, _ := sealedData(t, ada, "id-1", messageData{Nick: "Ada", Text: "hi"})
	escaped := json.RawMessage(`"\u00` + strconv.FormatInt(int64(frame.Data[1]), 16) + string(frame.Data[2:]))
	if o := ada.openMessage("ada", "id-1", escaped); o.failure != "" || o.body.Text != "hi" {
		t.Errorf("escaped %.20s…: %+v", escaped, o)
	}
	if o := ada.openMessage("ada", "id-1", json.RawMessage(` `+string(frame.Data)+"\n")); o.failure != "" {
		t.Errorf("with spaces around: %+v", o)
	}
}
