package ui

import "testing"

func TestPageTitle(t *testing.T) {
	cases := []struct {
		room   string
		unread int
		want   string
	}{
		{"", 0, "Chat"},
		{"lobby", 0, "#lobby · Chat"},
		{"lobby", 3, "(3) #lobby · Chat"},
	}
	for _, tc := range cases {
		if got := pageTitle(tc.room, tc.unread); got != tc.want {
			t.Errorf("pageTitle(%q, %d) = %q, want %q", tc.room, tc.unread, got, tc.want)
		}
	}
}
