package chat

import (
	"slices"
	"strings"
	"time"
)

// When a private room's signatures are verified. Every signature is
// verified by Go's crypto/ed25519, and in wasm that takes ≈ 0.4 ms each
// (Go's field arithmetic has no 64×64→128-bit multiply there): a history
// of 500 messages from the relay would keep the page's only thread busy
// ≈ 200 ms before the room shows. So a frame's newest messages, enough to
// fill the first screen (verifyFirst lines), are verified before the frame
// is applied (payload_private.go), and the older ones afterwards, newest
// first, in chunks short enough for the page to stay responsive between
// them.
//
// Until its verdict is in, a message is stored with flagVerifying and
// shown as one muted verifyingText line: never its text, never as mine,
// never as the target of an edit, delete, reaction or reply (threads.add
// skips it). Its claimed body and key wait in Client.verifying.
//
// Verdicts are remembered: the history is stored with each message's
// verified signer and flag (private_client.go), so a message is verified
// once, when it arrives, and never when the room is opened again. A
// message still verifying is therefore never written to the Store: while
// any is, history writes wait (persistHistoryLocked), and Flush verifies
// what is left first, so that no stored message carries a verdict that was
// not reached.
//
// "Key changed" depends on the order of signers, and older signers are now
// known later. From the first message still verifying to the end of the
// history the flags are provisional: a verified message is flagged when
// its key differs from its nick's last verified key or from the key any
// earlier still-verifying message of that nick claims. That flags at least
// what the final order flags (a warning may show early and go, none is
// missing meanwhile), and once nothing is left to verify the flags are
// exactly the ones of verifying everything in order.

// verifyFirst is how many lines of a frame, counted from its newest, are
// verified before the frame is applied: as many as app/ui shows when it
// opens a room (renderOpen). Each costs ≈ 0.4–1 ms in wasm, so no more.
const verifyFirst = 40

// verifyChunk is how many signatures are verified between two chances for
// the page to run: ≈ 10 ms in wasm, well within a frame at 60 Hz.
const verifyChunk = 25

// verifyingText is the line shown for a message whose signature is not
// checked yet (it is replaced by the message, or by unverifiedText).
const verifyingText = "… Checking this message’s signature"

// unverifiedMessage is what a message claims until its signature is
// checked: its body (decoded and cleaned) and its signer's key.
type unverifiedMessage struct {
	check  signatureCheck
	body   messageData
	signer string
}

// verification holds the messages still verifying. Guarded by Client.mu.
type verification struct {
	byKey map[string]*unverifiedMessage
	// from is the key of the oldest message whose flags are provisional,
	// and base the last key of each nick before it; "" when nothing is.
	from string
	base map[string]string
	// due: a chunk is scheduled.
	due bool
}

// verifyLaterLocked takes in a stored message whose signature is checked
// later, and schedules the check.
func (c *Client) verifyLaterLocked(m storedMessage, u *unverifiedMessage) {
	v := &c.verifying
	if v.byKey == nil {
		v.byKey = map[string]*unverifiedMessage{}
	}
	if v.from == "" {
		v.from, v.base = m.key(), copyKeys(c.keyByNick)
	}
	v.byKey[m.key()] = u
	c.scheduleVerifyLocked()
}

// verifyNowIfMineLocked verifies at once a msg still to verify that claims
// to be the echo of a message in my outbox: whether it is mine decides
// whether that message was delivered.
func (c *Client) verifyNowIfMineLocked(cid, id string, o opened) opened {
	u := o.unverified
	if u == nil || !c.ownCID(cid) || outboxIndex(c.outbox, id) < 0 {
		return o
	}
	return verdict(u, u.check.verify())
}

// verdict is u once its signature was checked.
func verdict(u *unverifiedMessage, verified bool) opened {
	if !verified {
		return opened{failure: failUnverified}
	}
	return opened{body: u.body, signer: u.signer}
}

func (c *Client) scheduleVerifyLocked() {
	if c.verifying.due || len(c.verifying.byKey) == 0 {
		return
	}
	c.verifying.due = true
	// Through the clock, not a loop: in a browser a timer is what lets the
	// page render and handle input between two chunks.
	c.clock.AfterFunc(0, c.verifySome)
}

// verifySome verifies the newest verifyChunk messages still verifying,
// without the lock, and applies their verdicts.
func (c *Client) verifySome() {
	c.mu.Lock()
	c.verifying.due = false
	keys, checks := c.nextToVerifyLocked(verifyChunk)
	c.mu.Unlock()
	verified := make([]bool, len(checks))
	for i, check := range checks {
		verified[i] = check.verify()
	}
	c.mu.Lock()
	c.settleLocked(keys, verified)
	c.scheduleVerifyLocked()
	c.mu.Unlock()
	c.signal()
}

// verifyAllLocked verifies every message still verifying, at once: Flush
// writes the history, and only verdicts may be written.
func (c *Client) verifyAllLocked() {
	if len(c.verifying.byKey) == 0 {
		return
	}
	keys, checks := c.nextToVerifyLocked(len(c.verifying.byKey))
	verified := make([]bool, len(checks))
	for i, check := range checks {
		verified[i] = check.verify()
	}
	c.settleLocked(keys, verified)
}

// nextToVerifyLocked picks up to n messages still verifying, newest first
// (the next ones a person scrolls to). Those no longer in the history
// (dropped past MaxHistory) need no verdict and are forgotten.
func (c *Client) nextToVerifyLocked(n int) (keys []string, checks []signatureCheck) {
	v := &c.verifying
	for i := len(c.history) - 1; i >= 0 && len(keys) < n; i-- {
		if u := v.byKey[c.history[i].key()]; u != nil {
			keys, checks = append(keys, c.history[i].key()), append(checks, u.check)
		}
	}
	if len(keys) < n { // the whole history was searched
		for key := range v.byKey {
			if !slices.Contains(keys, key) {
				delete(v.byKey, key)
			}
		}
	}
	return keys, checks
}

// settleLocked applies the verdicts of the messages with keys: each becomes
// the message it claimed to be, or an unverified line.
func (c *Client) settleLocked(keys []string, verified []bool) {
	index := make(map[string]int, len(c.history))
	for i, m := range c.history {
		index[m.key()] = i
	}
	changed := map[string]bool{}
	for k, key := range keys {
		u, i := c.verifying.byKey[key], -1
		if at, ok := index[key]; ok {
			i = at
		}
		if u == nil || i < 0 {
			continue // already settled (Flush), or no longer kept
		}
		delete(c.verifying.byKey, key)
		o := verdict(u, verified[k])
		m := &c.history[i]
		m.Nick, m.Text, m.Signer, m.Flag, m.Ref = o.body.Nick, o.body.Text, o.signer, o.failure, o.body.Ref
		if m.Nick == "" && o.failure == "" {
			m.Nick = c.senderNickLocked("", m.CID)
		}
		c.threads.add(*m)
		if c.ownCID(m.CID) && o.failure == "" && o.signer == c.signer {
			c.deliveredLocked(m.ID)
		}
		changed[key] = true
	}
	if len(changed) > 0 {
		c.markHistoryDirty()
	}
	c.reflagLocked(changed)
	if len(c.verifying.byKey) == 0 {
		c.persistHistorySoonLocked() // the writes that waited for the verdicts
	}
}

// reflagLocked recomputes the "key changed" flags from the oldest message
// whose flags are provisional (see the top of this file), and redraws the
// lines of the messages in changed and of those whose flag changed. Call it
// after a frame while messages are verifying, and after each verdict.
func (c *Client) reflagLocked(changed map[string]bool) {
	v := &c.verifying
	if v.from != "" {
		start := 0 // from was dropped past MaxHistory: everything kept is after it
		for i := range c.history {
			if c.history[i].key() == v.from {
				start = i
				break
			}
		}
		last := copyKeys(v.base)
		claimed := map[string][]string{} // by nick: keys of earlier messages still verifying
		for i := start; i < len(c.history); i++ {
			m := &c.history[i]
			if u := v.byKey[m.key()]; u != nil {
				claimed[u.body.Nick] = append(claimed[u.body.Nick], u.signer)
				continue
			}
			if m.Signer == "" {
				continue // a failure line: it says nothing about keys
			}
			previous, known := last[m.Nick]
			flag := ""
			if (known && previous != m.Signer) || slices.ContainsFunc(claimed[m.Nick], func(k string) bool { return k != m.Signer }) {
				flag = flagKeyChanged
			}
			last[m.Nick] = m.Signer
			delete(claimed, m.Nick)
			if m.Flag != flag {
				m.Flag = flag
				changed[m.key()] = true
				c.markHistoryDirty()
			}
		}
		if _, known := last[c.nick]; !known && c.private {
			last[c.nick] = c.signer // my claim on my nick (claimNickLocked)
		}
		c.keyByNick = last
		if len(v.byKey) == 0 {
			v.from, v.base = "", nil
		}
	}
	c.relineLocked(changed)
}

// relineLocked replaces the timeline lines of the messages with the keys
// in changed by their lines as the history now has them, in place.
func (c *Client) relineLocked(changed map[string]bool) {
	if len(changed) == 0 {
		return
	}
	messages := make(map[string]storedMessage, len(changed))
	for _, m := range c.history {
		if changed[m.key()] {
			messages[m.key()] = m
		}
	}
	timeline := make([]Line, 0, len(c.timeline)+len(changed))
	done := map[string]bool{}
	for _, l := range c.timeline {
		key := lineMessageKey(l)
		m, ok := messages[key]
		if !ok {
			timeline = append(timeline, l)
			continue
		}
		if done[key] {
			continue // its other line (a warning before it) is redrawn already
		}
		done[key] = true
		first := len(timeline)
		timeline = c.appendLines(timeline, m)
		for i := first; i < len(timeline); i++ {
			timeline[i].Epoch = l.Epoch
		}
	}
	c.timeline = timeline
}

// lineMessageKey is the key of the message l shows or stands for, "" for
// other system lines.
func lineMessageKey(l Line) string {
	if l.Kind == LineMessage {
		return l.Key
	}
	for _, prefix := range []string{verifyingLinePrefix, failLinePrefix, keyChangedLinePrefix} {
		if key, ok := strings.CutPrefix(l.Key, prefix); ok {
			return key
		}
	}
	return ""
}

// verifyingLine is the line shown for m while it is verifying.
func verifyingLine(m storedMessage) Line {
	return Line{Kind: LineSystem, Key: verifyingLinePrefix + m.key(), Seq: m.Seq, Text: verifyingText, Time: time.UnixMilli(m.TS)}
}

// copyKeys copies a nick-to-key map (never nil). A loop, not maps.Clone:
// that links the runtime's map cloning into app.wasm for these two calls.
func copyKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for nick, key := range m {
		out[nick] = key
	}
	return out
}
