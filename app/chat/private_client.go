package chat

import (
	"time"
)

// How the Client runs a private room. Everything sealed or opened goes
// through Client.payload (payload.go); this file holds what the client adds
// around it: who signed what, "key changed", and the muted failure lines.
//
// The history of a private room is stored decrypted (storedMessage with the
// verified Signer and a Flag), not as envelopes. The room's key is stored in
// the same browser storage (PrivateRoomsKey), so keeping ciphertext there
// would protect nothing from whoever can read that storage; it would only
// make every start decrypt and verify the whole history again. What the
// relay, its operator and NATS see is unchanged by this choice.

// Texts of the lines shown in place of a message that is not shown.
const (
	undecryptableText = "🔒 Could not decrypt a message (another key, or damaged on the way)"
	unverifiedText    = "⚠ Unverified message not shown: its signature does not check out"
	// KeyChangedText follows a nick whose key changed, in the timeline
	// and in the presence list's title.
	KeyChangedText = "’s key changed: compare safety codes in the room info"
)

func (c *Client) setupPayload(o Options) {
	c.payload, c.name, c.keyByNick = plainPayload{}, c.room, map[string]string{}
	if o.Private == nil {
		return
	}
	key := o.SigningKey
	if key == nil {
		loaded := LoadSigningKey(c.store)
		key = &loaded
	}
	c.room = o.Private.RoomID()
	c.name = o.Private.Name
	c.private = true
	c.signer = key.PublicKey()
	c.payload = newPrivatePayload(*o.Private, c.cid, *key)
	c.claimNickLocked(c.nick)
}

// claimNickLocked records that my nick is signed with my key, so that a
// message under my nick with another key is marked, even before mine arrives.
func (c *Client) claimNickLocked(nick string) {
	if c.private {
		c.keyByNick[nick] = c.signer
	}
}

// noteSignerLocked records the key a stored message's nick signed with.
func (c *Client) noteSignerLocked(m storedMessage) {
	if m.Signer != "" {
		c.keyByNick[m.Nick] = m.Signer
	}
}

// checkSignerLocked flags a message whose nick signed with another key
// before ("Ada's key changed") and records its key as the nick's latest, so
// that one change is marked once.
func (c *Client) checkSignerLocked(m *storedMessage) {
	if m.Signer == "" {
		return
	}
	if previous, known := c.keyByNick[m.Nick]; known && previous != m.Signer {
		m.Flag = flagKeyChanged
	}
	c.keyByNick[m.Nick] = m.Signer
}

// Prefixes of the keys of the lines that stand for a message or warn
// before it: a message key follows. No cid starts with '!'.
const (
	failLinePrefix       = "!fail/"
	keyChangedLinePrefix = "!key/"
	verifyingLinePrefix  = "!wait/"
)

// appendLinesLocked appends the lines of one stored message to the
// timeline (appendLines).
func (c *Client) appendLinesLocked(m storedMessage) {
	c.timeline = c.appendLines(c.timeline, m)
}

// appendLines appends the lines of one stored message to lines: the
// message, a warning before it when its key changed, or one muted line
// instead of it when it could not be opened or verified, or is verifying.
func (c *Client) appendLines(lines []Line, m storedMessage) []Line {
	if !isLine(m) {
		return lines // an edit, delete or reaction changes its target's line (threads.go)
	}
	line := c.historyLine(m)
	switch m.Flag {
	case flagVerifying:
		return append(lines, verifyingLine(m))
	case failUndecryptable, failUnverified:
		text := undecryptableText
		if m.Flag == failUnverified {
			text = unverifiedText
		}
		return append(lines, Line{Kind: LineSystem, Key: failLinePrefix + line.Key, Seq: m.Seq, Text: text, Time: time.UnixMilli(m.TS)})
	case flagKeyChanged:
		lines = append(lines, Line{Kind: LineSystem, Key: keyChangedLinePrefix + line.Key, Seq: m.Seq, Text: m.Nick + KeyChangedText, Time: time.UnixMilli(m.TS)})
	}
	return append(lines, line)
}

// failuresLocked counts the stored messages shown as failure lines.
func (c *Client) failuresLocked() (undecryptable, unverified int) {
	if !c.private {
		return 0, 0
	}
	for _, m := range c.history {
		switch m.Flag {
		case failUndecryptable:
			undecryptable++
		case failUnverified:
			unverified++
		}
	}
	return undecryptable, unverified
}

// markKeyChangesLocked marks the members whose verified key is not the one
// their nick last signed with: someone present as "Ada" with another key
// than Ada's messages is flagged in the presence list too, not only when
// they write.
func (c *Client) markKeyChangesLocked(members []Member) []Member {
	for i, m := range members {
		if previous, known := c.keyByNick[m.Nick]; c.private && known && m.Key != "" && previous != m.Key {
			members[i].KeyChanged = true
		}
	}
	return members
}

// setSigner sets the member's verified key ("" when its meta did not verify).
func (m *member) setSigner(key string) {
	m.Key, m.SafetyCode = key, SafetyCode(key)
}
