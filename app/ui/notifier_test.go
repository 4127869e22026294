package ui

import (
	"strings"
	"testing"

	"github.com/chatpwa/chat/app/chat"
)

func msg(seq uint64, mine bool) chat.Line {
	return chat.Line{Kind: chat.LineMessage, Seq: seq, Mine: mine, Key: "k" + string(rune('a'+seq))}
}

func TestNotifier_HistoryNeverNotifies(t *testing.T) {
	var n notifier
	if got := n.fresh([]chat.Line{msg(1, false), msg(2, false)}); len(got) != 0 {
		t.Fatalf("first view notified %d lines", len(got))
	}
}

func TestNotifier_OnlyNewFromOthers(t *testing.T) {
	var n notifier
	n.fresh([]chat.Line{msg(1, false)})
	lines := []chat.Line{
		msg(1, false),
		{Kind: chat.LineSystem, Key: "s"},
		msg(2, true),
		msg(3, false),
		{Kind: chat.LineMessage, Key: "pending", Mine: true}, // seq 0: not delivered yet
	}
	got := n.fresh(lines)
	if len(got) != 1 || got[0].Seq != 3 {
		t.Fatalf("fresh = %+v, want only seq 3", got)
	}
	if again := n.fresh(lines); len(again) != 0 {
		t.Fatalf("the same lines notified twice: %+v", again)
	}
}

// TestNotifier_RelayRestart: an in-memory relay that restarts counts seq from
// 1 again under a new epoch; its messages notify although their seqs are
// lower than the mark, and each notifies once.
func TestNotifier_RelayRestart(t *testing.T) {
	at := func(epoch string, seq uint64, key string) chat.Line {
		return chat.Line{Kind: chat.LineMessage, Seq: seq, Epoch: epoch, Key: key}
	}
	var n notifier
	// Stored history (no epoch), then live messages of the first relay run.
	lines := []chat.Line{at("", 40, "h40"), at("", 41, "h41")}
	n.fresh(lines)
	lines = append(lines, at("e1", 42, "a"), at("e1", 43, "b"))
	if got := n.fresh(lines); len(got) != 2 {
		t.Fatalf("live messages of the first run: %d notified, want 2", len(got))
	}
	// The relay restarts: epoch e2, seq from 1.
	lines = append(lines, at("e2", 1, "c"), at("e2", 2, "d"))
	got := n.fresh(lines)
	if len(got) != 2 || got[0].Key != "c" || got[1].Key != "d" {
		t.Fatalf("after the restart: %+v, want c and d", got)
	}
	if again := n.fresh(lines); len(again) != 0 {
		t.Fatalf("notified twice: %+v", again)
	}
	lines = append(lines, at("e2", 3, "e"))
	if got := n.fresh(lines); len(got) != 1 || got[0].Key != "e" {
		t.Fatalf("the next message: %+v, want e", got)
	}
}

// TestNotification: one notification per room (the tag), replaced by the
// next; with "hide message text" it says who wrote, never what.
func TestNotification(t *testing.T) {
	secret := chat.Line{Kind: chat.LineMessage, Seq: 5, Nick: "alice", Text: "the code is 1234"}
	n := notification("lobby", RoomFragment("lobby"), []chat.Line{secret}, false)
	if n.Tag != "chat-lobby" || !n.Renotify || n.Title != "alice in #lobby" || n.Body != "alice: the code is 1234" || n.Path != "/#room=lobby" {
		t.Errorf("notification %+v", n)
	}
	other := notification("other", RoomFragment("other"), []chat.Line{secret}, false)
	if other.Tag == n.Tag {
		t.Errorf("two rooms share the tag %q", n.Tag)
	}
	hidden := notification("lobby", RoomFragment("lobby"), []chat.Line{secret, secret}, true)
	if strings.Contains(hidden.Title+hidden.Body, "1234") || hidden.Tag != "chat-lobby" || !strings.Contains(hidden.Body, "alice") {
		t.Errorf("hidden text: %+v", hidden)
	}
}
