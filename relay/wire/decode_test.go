package wire

import (
	"errors"
	"strings"
	"testing"
)

func TestParseClientFrame_Valid(t *testing.T) {
	for _, tc := range []struct {
		frame    string
		want     ClientFrame
		wantData string
	}{
		{`{"type":"pub","id":"m1","data":{"text":"hi"}}`, ClientFrame{Type: TypePub, ID: "m1"}, `{"text":"hi"}`},
		{"{\"type\":\"pub\",\"id\":\"m1\",\"data\":[1,\n 2]}", ClientFrame{Type: TypePub, ID: "m1"}, `[1,2]`},
		{`{"type":"pub","id":"m1"}`, ClientFrame{Type: TypePub, ID: "m1"}, `null`},
		{`{"type":"pub","id":"m1","data":"a\nb","extra":true}`, ClientFrame{Type: TypePub, ID: "m1"}, `"a\nb"`},
		{`{"type":"meta","data":{"nick":"Ann"}}`, ClientFrame{Type: TypeMeta}, `{"nick":"Ann"}`},
		{`{"type":"meta","id":"ignored"}`, ClientFrame{Type: TypeMeta}, `null`},
		{`{"type":"ping"}`, ClientFrame{Type: TypePing}, ``},
		{`  {"type":"ping","data":1}  `, ClientFrame{Type: TypePing}, ``},
	} {
		got, err := ParseClientFrame([]byte(tc.frame))
		if err != nil {
			t.Errorf("ParseClientFrame(%q): %v", tc.frame, err)
			continue
		}
		if got.Type != tc.want.Type || got.ID != tc.want.ID || string(got.Data) != tc.wantData {
			t.Errorf("ParseClientFrame(%q) = %+v data %s, want %+v data %s", tc.frame, got, got.Data, tc.want, tc.wantData)
		}
	}
}

func TestParseClientFrame_Invalid(t *testing.T) {
	for _, frame := range []string{
		``,
		`null`,
		`[]`,
		`"pub"`,
		`{}`,
		`{"type":"shout"}`,
		`{"type":"pub","data":1}`,
		`{"type":"pub","id":"","data":1}`,
		`{"type":"pub","id":"` + strings.Repeat("x", MaxIDLen+1) + `"}`,
		`{"type":"pub","id":1}`,
		`{"type":"pub","id":"a","data":}`,
		`{"type":"ping"} {"type":"ping"}`,
		"{\"type\":\"pub\",\"id\":\"a\",\"data\":\"\xff\"}",
	} {
		if f, err := ParseClientFrame([]byte(frame)); err == nil {
			t.Errorf("ParseClientFrame(%q) = %+v, want an error", frame, f)
		} else if !errors.Is(err, ErrBadFrame) {
			t.Errorf("ParseClientFrame(%q) error %v does not wrap ErrBadFrame", frame, err)
		}
	}
}

func TestParseClientFrame_DataDoesNotAlias(t *testing.T) {
	frame := []byte(`{"type":"pub","id":"a","data":"xyz"}`)
	f, err := ParseClientFrame(frame)
	if err != nil {
		t.Fatal(err)
	}
	copy(frame, strings.Repeat("#", len(frame)))
	if string(f.Data) != `"xyz"` {
		t.Fatalf("data changed with the input: %s", f.Data)
	}
	// Appending to the shared "null" must not corrupt later frames.
	g, _ := ParseClientFrame([]byte(`{"type":"meta"}`))
	_ = append(g.Data, '!')
	h, _ := ParseClientFrame([]byte(`{"type":"meta"}`))
	if string(h.Data) != "null" {
		t.Fatalf("null data became %q", h.Data)
	}
}
