package ui

import (
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

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

func TestChatApp_RendersOnServer(t *testing.T) {
	// go-app renders the page natively when generating the static site; the
	// root must render without a browser (OnMount never runs there).
	if err := loadAndRender(&ChatApp{}); err != nil {
		t.Fatal(err)
	}
}

func loadAndRender(c *ChatApp) error {
	engine := app.NewTestEngine()
	if err := engine.Load(c); err != nil {
		return err
	}
	engine.ConsumeAll()
	return nil
}
