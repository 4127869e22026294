package ui

import "github.com/chatpwa/chat/app/chat"

// notifier picks the messages worth a notification: other people's messages
// newer than every message seen before. The first view of a room only sets
// the mark, so history loaded on start never notifies.
type notifier struct {
	seen   uint64
	primed bool
}

// fresh returns the new messages from others in lines and moves the mark past
// them.
func (n *notifier) fresh(lines []chat.Line) []chat.Line {
	var news []chat.Line
	newest := n.seen
	for _, l := range lines {
		if l.Kind != chat.LineMessage || l.Seq <= n.seen {
			continue
		}
		newest = max(newest, l.Seq)
		if n.primed && !l.Mine {
			news = append(news, l)
		}
	}
	n.seen = newest
	n.primed = true
	return news
}
