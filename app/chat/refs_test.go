package chat

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestRefs_DecodeKeepsOnlyUsableRefs(t *testing.T) {
	long := strings.Repeat("q", maxQuote+20)
	for _, tc := range []struct {
		name, data string
		want       *refData
	}{
		{"reply", `{"nick":"Ada","text":"me too","ref":{"kind":"reply","cid":"c1","id":"m1","quote":"lunch?"}}`,
			&refData{Kind: refReply, CID: "c1", ID: "m1", Quote: "lunch?"}},
		{"reply quote shortened", `{"text":"x","ref":{"kind":"reply","cid":"c1","id":"m1","quote":"` + long + `"}}`,
			&refData{Kind: refReply, CID: "c1", ID: "m1", Quote: strings.Repeat("q", maxQuote) + "…"}},
		{"edit", `{"text":"new","ref":{"kind":"edit","cid":"c1","id":"m1","emoji":"👍"}}`,
			&refData{Kind: refEdit, CID: "c1", ID: "m1"}},
		{"delete", `{"text":"deleted a message","ref":{"kind":"delete","cid":"c1","id":"m 1"}}`,
			&refData{Kind: refDelete, CID: "c1", ID: "m 1"}},
		{"react", `{"text":"reacted 👍","ref":{"kind":"react","cid":"c1","id":"m1","emoji":"👍"}}`,
			&refData{Kind: refReact, CID: "c1", ID: "m1", Emoji: "👍"}},
		{"react off", `{"text":"took back 🎉","ref":{"kind":"react","cid":"c1","id":"m1","emoji":"🎉","off":true}}`,
			&refData{Kind: refReact, CID: "c1", ID: "m1", Emoji: "🎉", Off: true}},
		{"no ref", `{"nick":"Ada","text":"hi"}`, nil},
		{"unknown kind", `{"text":"pinned","ref":{"kind":"pin","cid":"c1","id":"m1"}}`, nil},
		{"emoji outside the set", `{"text":"reacted 🦄","ref":{"kind":"react","cid":"c1","id":"m1","emoji":"🦄"}}`, nil},
		{"no cid", `{"text":"x","ref":{"kind":"edit","id":"m1"}}`, nil},
		{"cid with a slash", `{"text":"x","ref":{"kind":"edit","cid":"c/1","id":"m1"}}`, nil},
		{"id too long", `{"text":"x","ref":{"kind":"edit","cid":"c1","id":"` + strings.Repeat("i", 65) + `"}}`, nil},
		{"ref not an object", `{"text":"x","ref":"c1/m1"}`, nil},
		{"data a string", `"hello"`, nil},
		{"data garbage", `[1,2`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeRef(json.RawMessage(tc.data))
			if (got == nil) != (tc.want == nil) || (got != nil && !reflect.DeepEqual(*got, *tc.want)) {
				t.Errorf("decodeRef(%s) = %+v, want %+v", tc.data, got, tc.want)
			}
		})
	}
}

// A client that predates "ref" reads every publication's text: each must
// make sense alone.
func TestRefs_OlderClientsShowSensibleText(t *testing.T) {
	target := storedMessage{CID: "c1", ID: "m1", Nick: "Bob", Text: "lunch?"}
	for _, tc := range []struct {
		name string
		body messageData
		want string
	}{
		{"reply", replyBody("Ada", "me too", target), "me too"},
		{"edit", editBody("Ada", "lunch at 1?", target), "lunch at 1?"},
		{"delete", deleteBody("Ada", target), "deleted a message"},
		{"react", reactBody("Ada", "👍", true, target), "reacted 👍"},
		{"react off", reactBody("Ada", "👍", false, target), "took back 👍"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := encodeJSON(tc.body)
			nick, text := decodeMessageData(data)
			if nick != "Ada" || text != tc.want {
				t.Errorf("an older client reads %s as %q %q, want Ada %q", data, nick, text, tc.want)
			}
			if got := decodeRef(data); got == nil || !reflect.DeepEqual(*got, *tc.body.Ref) {
				t.Errorf("decodeRef(%s) = %+v, want %+v", data, got, tc.body.Ref)
			}
		})
	}
}

func TestRefs_ReplyCarriesAShortQuote(t *testing.T) {
	target := storedMessage{CID: "c1", ID: "m1", Text: strings.Repeat("é", 300)}
	got := replyBody("Ada", "yes", target).Ref.Quote
	if want := strings.Repeat("é", maxQuote) + "…"; got != want {
		t.Errorf("quote = %q, want %q", got, want)
	}
}
