package ui

import (
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
