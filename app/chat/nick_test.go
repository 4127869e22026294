package chat

import (
	"encoding/json"
	"testing"
)

// TestCleanNick: nothing invisible survives, so no nick can reorder the line
// it is shown in or pass for another one.
func TestCleanNick(t *testing.T) {
	for in, want := range map[string]string{
		"alice":                         "alice",
		"  brave   otter ":              "brave otter",
		"al\u200bice":                   "alice", // zero-width space
		"al\u200c\u200d\u2060\ufeffice": "alice", // ZWNJ, ZWJ, word joiner, BOM
		"\u202eecila":                   "ecila", // right-to-left override
		"a\u202ab\u202bc\u202cd\u202de": "abcde", // embeddings and pop
		"\u2066x\u2067y\u2068z\u2069":   "xyz",   // isolates
		"\u200eleft\u200fright\u061c":   "leftright",
		"soft\u00adhyphen":              "softhyphen",
		"bell\x07\x1b[31mred":           "bell[31mred",
		"\u3164\u115f":                  "", // Hangul fillers: blank
		"tab\there":                     "tab here",
		"Émile 😀 محمد":                  "Émile 😀 محمد", // letters of any script stay
	} {
		if got := CleanNick(in); got != want {
			t.Errorf("CleanNick(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCleanNick_OnEveryWayIn: nicks from messages, from meta and my own go
// through CleanNick.
func TestCleanNick_OnEveryWayIn(t *testing.T) {
	data, _ := json.Marshal(messageData{Nick: "\u202emallory", Text: "hi"})
	if nick, _ := decodeMessageData(data); nick != "mallory" {
		t.Errorf("message nick %q", nick)
	}
	meta, _ := json.Marshal(metaData{Nick: "bo\u200bb"})
	if nick := metaNick(meta); nick != "bob" {
		t.Errorf("meta nick %q", nick)
	}
	o := defaultOptions()
	o.Nick = "\u202ebrave-otter"
	h := newHarness(t, o)
	if got := h.client.View().Nick; got != "brave-otter" {
		t.Errorf("my stored nick shows as %q", got)
	}
	if err := h.client.SetNick("\u2067eve\u2069"); err != nil {
		t.Fatal(err)
	}
	if got := h.client.View().Nick; got != "eve" {
		t.Errorf("my nick %q", got)
	}
	if err := h.client.SetNick("\u200b\u200b"); err == nil {
		t.Error("an invisible nick was accepted")
	}
}
