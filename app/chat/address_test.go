package chat

import (
	"errors"
	"slices"
	"testing"
)

func TestParseFragment(t *testing.T) {
	cases := []struct{ in, room, token string }{
		{"", "", ""},
		{"#", "", ""},
		{"#lobby", "lobby", ""},
		{"lobby", "lobby", ""},
		{"#room=lobby&token=eyJ.a.b", "lobby", "eyJ.a.b"},
		{"#token=T&room=team.dev_1-x", "team.dev_1-x", "T"},
		{"#room=bad%20room&token=T", "", "T"},
		{"#bad room", "", ""},
		{"#room=" + string(make([]byte, 65)), "", ""},
		{"#room=a%2Bb", "", ""},
		{"#room=ok&token=a%2Bb", "ok", "a+b"},
	}
	for _, tc := range cases {
		room, token := ParseFragment(tc.in)
		if room != tc.room || token != tc.token {
			t.Errorf("ParseFragment(%q) = %q, %q; want %q, %q", tc.in, room, token, tc.room, tc.token)
		}
	}
}

func TestDefaultRelay(t *testing.T) {
	cases := map[string]string{
		"http://localhost:8080/":           "ws://localhost:8080/ws",
		"http://localhost:8080/room#lobby": "ws://localhost:8080/ws",
		"https://chat.example.org/a/b?x=1": "wss://chat.example.org/ws",
		"HTTPS://Chat.example.org":         "wss://Chat.example.org/ws",
		"file:///home/me/index.html":       "",
		"not a url":                        "",
	}
	for in, want := range cases {
		if got := DefaultRelay(in); got != want {
			t.Errorf("DefaultRelay(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDialURL(t *testing.T) {
	if got := dialURL("ws://h/ws", "lobby", dialID{"cid", "c1"}, 42, "", ""); got != "ws://h/ws?room=lobby&cid=c1&since=42" {
		t.Errorf("got %q", got)
	}
	if got := dialURL("ws://h/ws?k=v", "a.b", dialID{"cid", "c_1"}, 0, "", "x/y+z"); got != "ws://h/ws?k=v&room=a.b&cid=c_1&since=0&token=x%2Fy%2Bz" {
		t.Errorf("got %q", got)
	}
	if got := dialURL("ws://h/ws", "lobby", dialID{"ckey", "c1"}, 7, "9f2c_e-1", "t"); got != "ws://h/ws?room=lobby&ckey=c1&since=7&epoch=9f2c_e-1&token=t" {
		t.Errorf("got %q", got)
	}
}

func TestParseRelays(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" \t, ", nil},
		{"ws://localhost:8080/ws", []string{"ws://localhost:8080/ws"}},
		{"wss://a.test/ws,wss://b.test/ws", []string{"wss://a.test/ws", "wss://b.test/ws"}},
		{" wss://a.test/ws ,  wss://b.test/ws\nws://c.test:81/ws ", []string{"wss://a.test/ws", "wss://b.test/ws", "ws://c.test:81/ws"}},
		{"wss://b.test/ws wss://a.test/ws wss://b.test/ws", []string{"wss://b.test/ws", "wss://a.test/ws"}},
	}
	for _, tc := range cases {
		got, err := ParseRelays(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseRelays(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"https://chat.example.com/ws",
		"chat.example.com",
		"ws://",
		"javascript:alert(1)",
		"wss://a.test/ws, http://b.test/ws",
	} {
		got, err := ParseRelays(bad)
		if !errors.Is(err, ErrBadRelay) || got != nil {
			t.Errorf("ParseRelays(%q) = %q, %v; want ErrBadRelay", bad, got, err)
		}
	}
}
