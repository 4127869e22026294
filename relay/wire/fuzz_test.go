package wire

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzParseClientFrame checks, for any input, that ParseClientFrame never
// panics and that what it accepts is safe to relay: a known type, a valid
// id for pub, and data that is compact valid JSON with no '\n' (so batching
// by '\n' cannot split it) and valid UTF-8. Plain `go test` runs the seeds;
// `go test -fuzz=FuzzParseClientFrame ./relay/wire` explores.
func FuzzParseClientFrame(f *testing.F) {
	for _, seed := range []string{
		`{"type":"pub","id":"m1","data":{"text":"hi"}}`,
		"{\"type\":\"pub\",\"id\":\"m1\",\"data\":[1,\n 2]}",
		`{"type":"meta","data":{"nick":"Ann"}}`,
		`{"type":"ping"}`,
		`{"type":"pub","id":"m1"}`,
		`{"TYPE":"pub","Id":"x","data":"\u2028"}`,
		`not json`,
		`{"type":"pub","id":"` + "\xff" + `"}`,
		`[]`,
		`null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		got, err := ParseClientFrame(frame)
		if err != nil {
			return
		}
		switch got.Type {
		case TypePing:
			if got.Data != nil || got.ID != "" {
				t.Fatalf("ping with payload: %+v", got)
			}
			return
		case TypePub:
			if !ValidID(got.ID) {
				t.Fatalf("pub with invalid id %q", got.ID)
			}
		case TypeMeta:
		default:
			t.Fatalf("accepted type %q", got.Type)
		}
		if !json.Valid(got.Data) {
			t.Fatalf("data is not valid JSON: %q", got.Data)
		}
		if bytes.ContainsAny(got.Data, "\n\r") {
			t.Fatalf("data contains a line break: %q", got.Data)
		}
		var compacted bytes.Buffer
		if err := json.Compact(&compacted, got.Data); err != nil || !bytes.Equal(compacted.Bytes(), got.Data) {
			t.Fatalf("data is not compact: %q", got.Data)
		}
		// Re-encoding what was accepted parses to the same frame.
		again, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		back, err := ParseClientFrame(again)
		if err != nil || back.Type != got.Type || back.ID != got.ID || !bytes.Equal(back.Data, got.Data) {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, got)
		}
	})
}

// FuzzSplit checks that Split never hands out an object containing '\n'
// and loses no non-blank line.
func FuzzSplit(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":2}"))
	f.Add([]byte("\n\n \n"))
	f.Fuzz(func(t *testing.T, frame []byte) {
		var total int
		_ = Split(frame, func(object []byte) error {
			if bytes.IndexByte(object, '\n') >= 0 {
				t.Fatalf("object with newline: %q", object)
			}
			total++
			return nil
		})
		want := 0
		for _, line := range bytes.Split(frame, []byte("\n")) {
			if len(bytes.TrimSpace(line)) > 0 {
				want++
			}
		}
		if total != want {
			t.Fatalf("%d objects, want %d", total, want)
		}
	})
}
