package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// conversation is the middle of the screen: the messages, the composer, and
// why the room cannot be written to when it cannot. It gets values only; the
// composer and the messages' buttons send their own actions to ChatApp.
//
// It is drawn by a function, not a component: it holds no state, and a
// component links its own type, Composer itab and ~9 node-method wrappers
// (BENCHMARKS.md, "app.wasm size"). It re-renders with ChatApp; MessageList
// and Composer stay components, so go-app still skips them when their
// values are unchanged.
type conversation struct {
	// Room is the room's name; Lines its conversation, oldest first.
	Room  string
	Lines []chat.Line
	// Divider is the key of the first unread line, where the list shows
	// "New messages"; "" for none.
	Divider string
	// Typing is who else is typing ("Ada is typing…"), "" for nobody.
	Typing string
	// MaxText is the largest text the client accepts, for the composer.
	MaxText int
	// State and Detail say why the room is blocked (StateDenied,
	// StateInvalid); any other state leaves the composer open.
	State  chat.ConnState
	Detail string
	// SendsAnswered and SendError are ChatApp's answers to the composer.
	SendsAnswered int
	SendError     string
	// ComposeMode is what sending does other than post (Composer.Mode).
	ComposeMode string
	// Nicks are the people present (View.Members, me included) and Me my
	// nick: their mentions are highlighted, and the composer completes
	// the others'.
	Nicks []string
	Me    string
}

// render draws the conversation. The blocked notice comes last and the
// typing line is always there, empty when nobody types: go-app diffs
// children by position.
func (c conversation) render() app.UI {
	blocked := c.State == chat.StateDenied || c.State == chat.StateInvalid
	return app.Elem("main").Class("chat").Body(
		&MessageList{Room: c.Room, Lines: c.Lines, Divider: c.Divider, Nicks: c.Nicks, Me: c.Me},
		app.Elem("p").ID("typing").Class("typing").Aria("live", "polite").Text(c.Typing),
		&Composer{Room: c.Room, MaxText: c.MaxText, Disabled: blocked, Answered: c.SendsAnswered, Error: c.SendError, Mode: c.ComposeMode, Nicks: othersThan(c.Nicks, c.Me)},
		when(blocked, func() app.UI { return blockedNotice(chat.View{State: c.State, Detail: c.Detail}) }),
	)
}

// memberNicks are the nicks of members, for conversation.Nicks.
func memberNicks(members []chat.Member) []string {
	nicks := make([]string, len(members))
	for i, m := range members {
		nicks[i] = m.Nick
	}
	return nicks
}

// othersThan is nicks without me: no one completes a mention of themselves.
func othersThan(nicks []string, me string) []string {
	others := make([]string, 0, len(nicks))
	for _, nick := range nicks {
		if nick != me {
			others = append(others, nick)
		}
	}
	return others
}
