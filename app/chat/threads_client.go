package chat

import (
	"errors"
	"strings"
)

// The Client's side of replies, reactions, edits and deletes (refs.go):
// each is queued in the outbox like any message, and shown once its echo
// is in the history, where threads resolves it.

// Errors of Reply, React, Edit and DeleteMessage, shown to the person as
// they are.
var (
	// ErrNoMessage: the message is not (or no longer) in this room's
	// history, was deleted, or is still on its way.
	ErrNoMessage = errors.New("that message is not here any more")
	// ErrNotYours: only a message's author can edit or delete it.
	ErrNotYours = errors.New("only its author can change a message")
	// ErrNoReaction: the emoji is not one of ReactionEmoji.
	ErrNoReaction = errors.New("that reaction is not offered")
)

// Reply sends text as a reply to the message whose line has key.
func (c *Client) Reply(key, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return ErrEmpty
	}
	c.mu.Lock()
	target, current, ok := c.targetLocked(key)
	if !ok {
		c.mu.Unlock()
		return ErrNoMessage
	}
	return c.queueUnlock(text, &refData{Kind: refReply, CID: target.CID, ID: target.ID, Quote: shorten(current.Text, maxQuote)})
}

// React toggles my reaction emoji on the message whose line has key.
func (c *Client) React(key, emoji string) error {
	if !isReactionEmoji(emoji) {
		return ErrNoReaction
	}
	c.mu.Lock()
	target, current, ok := c.targetLocked(key)
	if !ok {
		c.mu.Unlock()
		return ErrNoMessage
	}
	on := !c.reactedLocked(target, current, emoji)
	body := reactBody(c.nick, emoji, on, target)
	return c.queueUnlock(body.Text, body.Ref)
}

// reactedLocked reports whether my reaction emoji is on target, counting
// what I queued and the relay has not echoed yet, so that pressing twice
// quickly takes it back.
func (c *Client) reactedLocked(target storedMessage, current Resolved, emoji string) bool {
	for i := len(c.outbox) - 1; i >= 0; i-- {
		r := c.outbox[i].Ref
		if r != nil && r.Kind == refReact && r.Emoji == emoji && r.targetKey() == target.key() {
			return !r.Off
		}
	}
	for _, r := range current.Reactions {
		if r.Emoji == emoji {
			return r.Mine
		}
	}
	return false
}

// Edit replaces the text of my message whose line has key.
func (c *Client) Edit(key, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return ErrEmpty
	}
	c.mu.Lock()
	target, current, err := c.myTargetLocked(key)
	if err != nil || text == current.Text {
		c.mu.Unlock()
		return err
	}
	return c.queueUnlock(text, &refData{Kind: refEdit, CID: target.CID, ID: target.ID})
}

// DeleteMessage deletes my delivered message whose line has key: everyone
// sees "message deleted" instead. (Delete removes a failed message from the
// outbox.)
func (c *Client) DeleteMessage(key string) error {
	c.mu.Lock()
	target, _, err := c.myTargetLocked(key)
	if err != nil {
		c.mu.Unlock()
		return err
	}
	body := deleteBody(c.nick, target)
	return c.queueUnlock(body.Text, body.Ref)
}

// targetLocked finds the delivered, undeleted line with key in the history.
func (c *Client) targetLocked(key string) (storedMessage, Resolved, bool) {
	for i := len(c.history) - 1; i >= 0; i-- {
		m := c.history[i]
		if m.key() != key {
			continue
		}
		res, ok := c.threads.resolve(key, c.meLocked())
		if !ok || m.Flag == failUndecryptable || m.Flag == failUnverified || res.Deleted {
			return storedMessage{}, Resolved{}, false
		}
		return m, res, true
	}
	return storedMessage{}, Resolved{}, false
}

// myTargetLocked is targetLocked for a message I may change: sent with the
// cid I publish under now (an edit from another cid would be ignored) and,
// in a private room, signed with my key.
func (c *Client) myTargetLocked(key string) (storedMessage, Resolved, error) {
	target, current, ok := c.targetLocked(key)
	if !ok {
		return target, current, ErrNoMessage
	}
	if authorOf(target) != c.meLocked() {
		return target, current, ErrNotYours
	}
	return target, current, nil
}

// meLocked is who I publish as.
func (c *Client) meLocked() author { return author{cid: c.cid, signer: c.signer} }

// resolvedLocked is the timeline line l as its references leave it.
func (c *Client) resolvedLocked(l Line) Line {
	if l.Kind != LineMessage {
		return l
	}
	res, ok := c.threads.resolve(l.Key, c.meLocked())
	if !ok {
		return l
	}
	l.Text, l.Edited, l.Deleted, l.Reactions, l.Reply = res.Text, res.Edited, res.Deleted, res.Reactions, res.Reply
	return l
}

// outboxLinesLocked are the lines of my queued messages: messages and
// replies; an edit, delete or reaction only once it failed for good, so
// that the person can retry or drop it.
func (c *Client) outboxLinesLocked() []Line {
	lines := make([]Line, 0, len(c.outbox))
	for _, e := range c.outbox {
		l := e.line(c.cid)
		switch {
		case e.Ref == nil:
		case e.Ref.Kind == refReply:
			l.Reply = c.threads.quote(e.Ref)
		case e.Failed == "":
			continue
		}
		lines = append(lines, l)
	}
	return lines
}
