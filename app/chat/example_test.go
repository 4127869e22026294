package chat_test

import (
	"fmt"

	"github.com/chatpwa/chat/app/chat"
)

func ExampleLinkify() {
	for _, s := range chat.Linkify("docs at https://go.dev/doc. not javascript:alert(1)") {
		if s.URL != "" {
			fmt.Printf("link %q\n", s.URL)
		} else {
			fmt.Printf("text %q\n", s.Text)
		}
	}
	// Output:
	// text "docs at "
	// link "https://go.dev/doc"
	// text ". not javascript:alert(1)"
}

func ExampleParseFragment() {
	room, token := chat.ParseFragment("#room=team&token=eyJhbGciOi.x.y")
	fmt.Println(room, token)
	room, _ = chat.ParseFragment("#lobby")
	fmt.Println(room)
	// Output:
	// team eyJhbGciOi.x.y
	// lobby
}

func ExampleDefaultRelay() {
	fmt.Println(chat.DefaultRelay("https://chat.example.org/#lobby"))
	// Output: wss://chat.example.org/ws
}

func ExampleLoadPrefs() {
	store := chat.NewMemoryStore()
	prefs := chat.LoadPrefs(store, nil) // first start: a new cid and nick, saved
	prefs.Visit("lobby")
	if err := prefs.Save(store); err != nil {
		fmt.Println(err)
	}
	fmt.Println(chat.LoadPrefs(store, nil).Recent)
	// Output: [lobby]
}
