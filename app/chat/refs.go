package chat

import (
	"encoding/json"

	"github.com/chatpwa/chat/relay/wire"
)

// Replies, reactions, edits and deletes are ordinary publications: the relay
// never reads payloads, so they need nothing from it. Their data (in a
// private room, the signed body inside the envelope) is a message with a
// "ref" naming an earlier message by the (cid, id) the relay stamped on it:
//
//	{"nick":"Ada","text":"me too","ref":{"kind":"reply","cid":"c1","id":"m1","quote":"lunch?"}}
//	{"nick":"Ada","text":"lunch at 1","ref":{"kind":"edit","cid":"c1","id":"m1"}}
//	{"nick":"Ada","text":"deleted a message","ref":{"kind":"delete","cid":"c1","id":"m1"}}
//	{"nick":"Ada","text":"reacted 👍","ref":{"kind":"react","cid":"c1","id":"m1","emoji":"👍"}}
//	{"nick":"Ada","text":"took back 👍","ref":{"kind":"react","cid":"c1","id":"m1","emoji":"👍","off":true}}
//
// Compatibility: "text" is always a non-empty string, so a client that
// predates "ref" (which shows every {"nick","text"} as a line and anything
// else raw) shows a line that makes sense on its own: the reply itself, the
// corrected text, "deleted a message", "reacted 👍". A client that knows
// "ref" shows only replies as lines; edits, deletes and reactions change the
// line of their target and are never shown themselves. A ref of a kind it
// does not know, or one it cannot use (no cid or id, an emoji outside the
// set), is read as no ref at all: the message shows its text, as an older
// client would, so later kinds degrade the same way.
//
// Authority: anyone may reply to or react to any message. Only a message's
// author may edit or delete it: the edit must come from the target's cid
// and, in a private room, carry the same verified signer (the cid alone is
// anyone's to claim there). Other edits and deletes are ignored, not shown.
// This is resolved in threads.go, which also applies references that
// arrive before their target once it does.

// Kinds of reference.
const (
	refReply  = "reply"
	refEdit   = "edit"
	refDelete = "delete"
	refReact  = "react"
)

// maxQuote bounds the snippet a reply carries of its target, in runes.
const maxQuote = 100

// Fallback texts of publications that have no text of their own, for
// clients that predate "ref".
const (
	deleteFallback  = "deleted a message"
	reactFallback   = "reacted "
	unreactFallback = "took back "
)

// refData is a message's reference to an earlier message (see above).
type refData struct {
	_ noCompare

	Kind string `json:"kind"`
	CID  string `json:"cid"`
	ID   string `json:"id"`
	// Quote (replies): a snippet of the target's text, shown by whoever
	// does not have the target (it is older than their history).
	Quote string `json:"quote,omitempty"`
	// Emoji and Off (reactions): which reaction, and whether this takes it
	// back. A reaction states on or off rather than toggling, so that a
	// duplicate or a replay changes nothing.
	Emoji string `json:"emoji,omitempty"`
	Off   bool   `json:"off,omitempty"`
}

// targetKey is the message key of the reference's target.
func (r *refData) targetKey() string { return messageKey(r.CID, r.ID) }

// usableRef returns r cleaned when this client knows what to do with it,
// else nil (the message is then read as plain text; see above).
func usableRef(r *refData) *refData {
	if r == nil || !wire.ValidCID(r.CID) || !wire.ValidID(r.ID) {
		return nil
	}
	out := &refData{Kind: r.Kind, CID: r.CID, ID: r.ID}
	switch r.Kind {
	case refReply:
		out.Quote = shorten(r.Quote, maxQuote)
	case refEdit, refDelete:
	case refReact:
		if !isReactionEmoji(r.Emoji) {
			return nil
		}
		out.Emoji, out.Off = r.Emoji, r.Off
	default:
		return nil
	}
	return out
}

// decodeRef reads the "ref" of a message's data in a plain room; nil when
// there is none this client can use.
func decodeRef(raw json.RawMessage) *refData {
	var obj struct {
		Ref *refData `json:"ref"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	return usableRef(obj.Ref)
}

// The bodies this client publishes. target is the message referenced, as
// delivered (its cid and id are the relay's).

// replyBody is a reply saying text to target.
func replyBody(nick, text string, target storedMessage) messageData {
	return messageData{Nick: nick, Text: text, Ref: &refData{
		Kind: refReply, CID: target.CID, ID: target.ID, Quote: shorten(target.Text, maxQuote),
	}}
}

// editBody replaces the text of target, which must be mine, with text.
func editBody(nick, text string, target storedMessage) messageData {
	return messageData{Nick: nick, Text: text, Ref: &refData{Kind: refEdit, CID: target.CID, ID: target.ID}}
}

// deleteBody deletes target, which must be mine.
func deleteBody(nick string, target storedMessage) messageData {
	return messageData{Nick: nick, Text: deleteFallback, Ref: &refData{Kind: refDelete, CID: target.CID, ID: target.ID}}
}

// reactBody puts my emoji reaction on target (on) or takes it back.
func reactBody(nick, emoji string, on bool, target storedMessage) messageData {
	text := reactFallback + emoji
	if !on {
		text = unreactFallback + emoji
	}
	return messageData{Nick: nick, Text: text, Ref: &refData{
		Kind: refReact, CID: target.CID, ID: target.ID, Emoji: emoji, Off: !on,
	}}
}
