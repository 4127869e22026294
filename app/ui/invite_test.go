package ui

import "testing"

// TestInviteFor: a link's token is stored without a question only when the
// room has none; a different stored token is never replaced silently.
func TestInviteFor(t *testing.T) {
	for _, tc := range []struct {
		stored, offered string
		want            inviteChoice
	}{
		{"", "", inviteIgnore},
		{"mine", "", inviteIgnore},
		{"mine", "mine", inviteIgnore},
		{"", "new", inviteStore},
		{"mine", "theirs", inviteAsk},
	} {
		if got := inviteFor(tc.stored, tc.offered); got != tc.want {
			t.Errorf("inviteFor(%q, %q) = %v, want %v", tc.stored, tc.offered, got, tc.want)
		}
	}
}
