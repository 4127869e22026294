package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// notifier picks the messages worth a notification: other people's messages
// newer than every message seen before. The first view of a room only sets
// the mark, so history loaded on start never notifies.
//
// "Newer" is per seq epoch: an in-memory relay that restarts counts seq from
// 1 again under a new epoch, and a mark of seq 50 must not silence its
// messages 1 to 50. Lines restored from storage carry no epoch and are all
// seen when the mark is set.
type notifier struct {
	seen   map[string]uint64 // the highest seq seen, per epoch
	primed bool
}

// fresh returns the new messages from others in lines and moves the mark past
// them.
func (n *notifier) fresh(lines []chat.Line) []chat.Line {
	var news []chat.Line
	var newest map[string]uint64
	for _, l := range lines {
		if l.Kind != chat.LineMessage || l.Seq == 0 || l.Seq <= n.seen[l.Epoch] {
			continue
		}
		if newest == nil {
			newest = map[string]uint64{}
		}
		newest[l.Epoch] = max(newest[l.Epoch], l.Seq)
		if n.primed && !l.Mine {
			news = append(news, l)
		}
	}
	if n.seen == nil {
		n.seen = map[string]uint64{}
	}
	for epoch, seq := range newest {
		n.seen[epoch] = seq
	}
	n.primed = true
	return news
}

// notification is what the person sees for news in room: one notification
// per room (its tag), which the next replaces and which alerts again; the
// text of the last message only when hideText is off.
func notification(room, fragment string, news []chat.Line, hideText bool) app.Notification {
	last := news[len(news)-1]
	title := last.Nick + " in #" + room
	if len(news) > 1 {
		title = strconv.Itoa(len(news)) + " new messages in #" + room
	}
	body := last.Nick + ": " + last.Text
	if hideText {
		body = "New message from " + last.Nick
	}
	return app.Notification{
		Title:    title,
		Body:     body,
		Tag:      "chat-" + room,
		Renotify: true,
		Path:     "/" + fragment,
		Icon:     "/web/icon-192.png",
	}
}
