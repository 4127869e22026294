package ui

import "testing"

func TestPageTitle(t *testing.T) {
	cases := []struct {
		room   string
		unread int
		hidden bool
		want   string
	}{
		{"", 0, false, "Chat"},
		{"lobby", 0, false, "#lobby · Chat"},
		{"lobby", 3, false, "#lobby · Chat"}, // visible: the person is reading
		{"lobby", 3, true, "(3) #lobby · Chat"},
		{"lobby", 0, true, "#lobby · Chat"},
	}
	for _, tc := range cases {
		if got := pageTitle(tc.room, tc.unread, tc.hidden); got != tc.want {
			t.Errorf("pageTitle(%q, %d, %v) = %q, want %q", tc.room, tc.unread, tc.hidden, got, tc.want)
		}
	}
}
