package ui

import (
	"slices"
	"testing"
)

func TestDefaultRelays_DeployerListElseThePageOrigin(t *testing.T) {
	cases := []struct {
		deployed, page string
		want           []string
	}{
		{"", "https://chat.example.org/#lobby", []string{"wss://chat.example.org/ws"}},
		{"wss://a.test/ws,wss://b.test/ws", "https://chat.example.org/", []string{"wss://a.test/ws", "wss://b.test/ws"}},
		// A broken list cannot come from the generator; should one reach
		// the page anyway, the page's own relay is the safe choice.
		{"wss://a.test/ws,https://b.test", "http://localhost:8080/", []string{"ws://localhost:8080/ws"}},
	}
	for _, tc := range cases {
		if got := defaultRelays(tc.deployed, tc.page); !slices.Equal(got, tc.want) {
			t.Errorf("defaultRelays(%q, %q) = %q, want %q", tc.deployed, tc.page, got, tc.want)
		}
	}
}
