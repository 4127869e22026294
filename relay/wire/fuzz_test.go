package wire

import (
	"bytes"
	"encoding/json"
	"errors"
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

// FuzzSplit checks Split by what it must guarantee, not by a second
// implementation. For any input, the objects it hands out are the frame's
// non-blank lines, as they are and in order: each one a piece of the frame
// with no '\n', bounded by '\n' or the frame's ends, and only whitespace
// between them, with a '\n' between any two. For a relay frame built from the
// fuzz input (JSON objects, '\n'-separated, with blank lines in between),
// every object is valid JSON and joined with '\n' they are the frame
// without its blank lines. `go test -fuzz=FuzzSplit ./relay/wire` explores.
func FuzzSplit(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":2}"))
	f.Add([]byte("\n\n \n"))
	f.Add([]byte(" {\"a\":1} \r\n\t\n{}"))
	f.Add([]byte("x\x00y\x00\x00z"))
	f.Fuzz(func(t *testing.T, input []byte) {
		checkLines(t, input)

		// A relay frame: one object per NUL-separated piece of the input,
		// joined by line breaks that blank lines sometimes pad.
		var frame []byte
		var objects [][]byte
		for i, piece := range bytes.Split(input, []byte{0}) {
			object, err := json.Marshal(map[string]string{"t": string(piece)})
			if err != nil {
				t.Fatal(err)
			}
			if i > 0 {
				frame = append(frame, '\n')
				if len(piece) > 0 && piece[0]%3 == 0 {
					frame = append(frame, " \t\r\n\n"...)
				}
			}
			frame = append(frame, object...)
			objects = append(objects, object)
		}
		var got [][]byte
		if err := Split(frame, func(object []byte) error {
			if !json.Valid(object) {
				t.Fatalf("object is not valid JSON: %q", object)
			}
			got = append(got, object)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if joined, want := bytes.Join(got, []byte("\n")), bytes.Join(objects, []byte("\n")); !bytes.Equal(joined, want) {
			t.Fatalf("Split(%q) joined back is %q, want %q", frame, joined, want)
		}

		// Split stops at fn's first error and returns it.
		stop := errors.New("stop")
		calls := 0
		if err := Split(frame, func([]byte) error { calls++; return stop }); err != stop || calls != 1 {
			t.Fatalf("after an error: %v, %d calls; want the error after 1 call", err, calls)
		}
	})
}

// checkLines checks that what Split hands out of frame are its non-blank
// lines as they are: pieces of frame itself, in order, each starting and
// ending at a line boundary, with nothing but whitespace between them.
func checkLines(t *testing.T, frame []byte) {
	t.Helper()
	end := 0 // where the previous object ended
	sawObject := false
	gapOK := func(gap []byte, between bool) {
		if len(bytes.TrimSpace(gap)) != 0 {
			t.Fatalf("Split(%q) skipped %q", frame, gap)
		}
		if between && bytes.IndexByte(gap, '\n') < 0 {
			t.Fatalf("Split(%q) split a line at %q", frame, gap)
		}
	}
	_ = Split(frame, func(object []byte) error {
		start := offsetIn(t, frame, object)
		stop := start + len(object)
		switch {
		case start < end:
			t.Fatalf("Split(%q): object %q overlaps or goes back", frame, object)
		case len(bytes.TrimSpace(object)) == 0:
			t.Fatalf("Split(%q) handed out a blank line %q", frame, object)
		case bytes.IndexByte(object, '\n') >= 0:
			t.Fatalf("Split(%q): object with newline %q", frame, object)
		case start > 0 && frame[start-1] != '\n', stop < len(frame) && frame[stop] != '\n':
			t.Fatalf("Split(%q): %q is not a whole line", frame, object)
		}
		gapOK(frame[end:start], sawObject)
		end, sawObject = stop, true
		return nil
	})
	gapOK(frame[end:], false)
}

// offsetIn returns where object starts within frame; it fails the test when
// object is not a piece of frame (Split must not copy).
func offsetIn(t *testing.T, frame, object []byte) int {
	t.Helper()
	if len(object) == 0 {
		t.Fatalf("Split(%q) handed out an empty object", frame)
	}
	for i := range frame {
		if &frame[i] == &object[0] {
			return i
		}
	}
	t.Fatalf("Split(%q): %q is not a piece of the frame", frame, object)
	return 0
}
