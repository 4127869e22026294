package ui

import "testing"

func TestValidRelayURL(t *testing.T) {
	for relay, ok := range map[string]bool{
		"ws://localhost:8080/ws":      true,
		"wss://chat.example.com/ws":   true,
		"https://chat.example.com/ws": false,
		"chat.example.com":            false,
		"ws://":                       false,
		"javascript:alert(1)":         false,
	} {
		if err := validRelayURL(relay); (err == nil) != ok {
			t.Errorf("validRelayURL(%q) = %v, want ok=%v", relay, err, ok)
		}
	}
}
