package wire

import (
	"strings"
	"testing"
)

// TestCIDFromKey_Vector pins the derivation PROTOCOL.md documents: any
// client in any language must get the same cid from the same key.
func TestCIDFromKey_Vector(t *testing.T) {
	for key, want := range map[string]string{
		// Computed independently (Python hashlib + base64.urlsafe_b64encode).
		"correct-horse-battery-staple": "h8vr_uvAX3xUrJM2xLS77I",
		"abcdefghijklmnopqrstuv":       "9p-bcNHJpUQiWMp2-LCnpF", // base64url, not std: '-' not '+'
	} {
		got := CIDFromKey(key)
		if got != want || !ValidCID(got) || len(got) != DerivedCIDLen {
			t.Errorf("CIDFromKey(%q) = %q, want %q (a valid 22-character cid)", key, got, want)
		}
	}
}

func TestValidCKey(t *testing.T) {
	for key, want := range map[string]bool{
		strings.Repeat("a", 21):  false,
		strings.Repeat("a", 22):  true,
		strings.Repeat("a", 64):  true,
		strings.Repeat("a", 65):  false,
		"abcdefghijklmnopqrstu.": false,
		"abcdefghijklmnopqrst_-": true,
		"":                       false,
	} {
		if got := ValidCKey(key); got != want {
			t.Errorf("ValidCKey(%q) = %v, want %v", key, got, want)
		}
	}
}
