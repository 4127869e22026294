package wire

import (
	"strings"
	"testing"
)

func TestValidRoomCIDID(t *testing.T) {
	for _, tc := range []struct {
		s                string
		room, cid, msgID bool
	}{
		{"lobby", true, true, true},
		{"team.dev-1_x", true, false, true},
		{"A-Z_09", true, true, true},
		{"", false, false, false},
		{"has space", false, false, true},
		{"ünï", false, false, true},
		{"a/b", false, false, true},
		{strings.Repeat("a", 64), true, true, true},
		{strings.Repeat("a", 65), false, false, false},
	} {
		if got := ValidRoom(tc.s); got != tc.room {
			t.Errorf("ValidRoom(%q) = %v", tc.s, got)
		}
		if got := ValidCID(tc.s); got != tc.cid {
			t.Errorf("ValidCID(%q) = %v", tc.s, got)
		}
		if got := ValidID(tc.s); got != tc.msgID {
			t.Errorf("ValidID(%q) = %v", tc.s, got)
		}
		// An epoch follows the cid rule.
		if got := ValidEpoch(tc.s); got != tc.cid {
			t.Errorf("ValidEpoch(%q) = %v", tc.s, got)
		}
	}
}

func TestSplit_BatchedFrame(t *testing.T) {
	var got []string
	err := Split([]byte("{\"a\":1}\n\n{\"b\":2}\n  \n{\"c\":3}"), func(o []byte) error {
		got = append(got, string(o))
		return nil
	})
	if err != nil || strings.Join(got, "|") != `{"a":1}|{"b":2}|{"c":3}` {
		t.Fatalf("Split = %q, %v", got, err)
	}
}
