package chat

// threads resolves the references among a room's delivered messages
// (refs.go): which messages are lines of their own, and for each line its
// current text, whether it was edited or deleted, its reactions and the
// message it replies to.
//
// References are kept by target key whether or not the target has arrived,
// and the authority of an edit or delete is checked when a line is resolved,
// against the target as it finally is: a reference that arrives before its
// target (another tab's history, a replay, a relay that reordered two rooms'
// streams) needs no queue, and takes effect the moment the target arrives.
// Every statement is ordered by (relay ts, arrival), so the result does not
// depend on the order messages arrive in, and a duplicate changes nothing.
//
// It holds only what is in the room's history (at most MaxHistory
// messages): the Client adds each message it keeps and forgets each it
// drops, so it is bounded the same way. Not safe for concurrent use: the
// Client calls it under its lock.
type threads struct {
	arrivals uint64
	// added are the keys of the messages taken in, for idempotence.
	added map[string]order
	// lines are the messages shown as lines (no ref, or a reply), by key.
	lines map[string]*threadLine
	// refs are the references to each target, by the target's key.
	refs map[string]*targetRefs
}

type threadLine struct {
	_ noCompare

	by         author
	nick, text string
	reply      *refData // the reply's reference; nil when not a reply
}

// targetRefs is everything said about one target.
type targetRefs struct {
	edits     []editStatement
	deletes   []refStatement
	reactions reactionSet
}

type refStatement struct {
	_ noCompare

	by     author
	source string // the key of the publication that said it
}

type editStatement struct {
	_ noCompare

	refStatement
	text string
	at   order
}

func (r *targetRefs) empty() bool {
	return len(r.edits) == 0 && len(r.deletes) == 0 && len(r.reactions) == 0
}

func newThreads() *threads {
	return &threads{added: map[string]order{}, lines: map[string]*threadLine{}, refs: map[string]*targetRefs{}}
}

// reserve makes room for n messages in the maps at once while they are
// empty (see Client.reserveLocked).
func (t *threads) reserve(n int) {
	if len(t.added) == 0 {
		t.added, t.lines = make(map[string]order, n), make(map[string]*threadLine, n)
	}
}

// isLine reports whether m is shown as a line of its own: a message or a
// reply, not an edit, delete or reaction (they change their target's line).
func isLine(m storedMessage) bool { return m.Ref == nil || m.Ref.Kind == refReply }

// add takes in one delivered message; a message already taken in changes
// nothing. Messages that failed to open (Flag) carry no reference; one
// still verifying is taken in once its verdict is in (private_verify.go).
func (t *threads) add(m storedMessage) {
	if m.Flag == flagVerifying {
		return
	}
	key := m.key()
	if _, dup := t.added[key]; dup {
		return
	}
	t.arrivals++
	at := order{ts: m.TS, arrival: t.arrivals}
	t.added[key] = at
	if isLine(m) {
		t.lines[key] = &threadLine{by: authorOf(m), nick: m.Nick, text: m.Text, reply: m.Ref}
		return
	}
	r := t.refs[m.Ref.targetKey()]
	if r == nil {
		r = &targetRefs{reactions: reactionSet{}}
		t.refs[m.Ref.targetKey()] = r
	}
	said := refStatement{by: authorOf(m), source: key}
	switch m.Ref.Kind {
	case refEdit:
		if m.Text != "" {
			r.edits = append(r.edits, editStatement{refStatement: said, text: m.Text, at: at})
		}
	case refDelete:
		r.deletes = append(r.deletes, said)
	case refReact:
		r.reactions.state(m.Ref.Emoji, said.by, m.Nick, !m.Ref.Off, at, key)
	}
}

// forget drops m, which left the history.
func (t *threads) forget(m storedMessage) {
	key := m.key()
	if _, ok := t.added[key]; !ok {
		return
	}
	delete(t.added, key)
	if isLine(m) {
		delete(t.lines, key)
		return
	}
	target := m.Ref.targetKey()
	r := t.refs[target]
	if r == nil {
		return
	}
	// Loops, not slices.DeleteFunc: a generic instance per element type
	// costs app.wasm more than the loop.
	edits := r.edits[:0]
	for _, e := range r.edits {
		if e.source != key {
			edits = append(edits, e)
		}
	}
	clear(r.edits[len(edits):])
	r.edits = edits
	deletes := r.deletes[:0]
	for _, d := range r.deletes {
		if d.source != key {
			deletes = append(deletes, d)
		}
	}
	clear(r.deletes[len(deletes):])
	r.deletes = deletes
	r.reactions.forget(key)
	if r.empty() {
		delete(t.refs, target)
	}
}

// Resolved is a line's state after every reference to it.
type Resolved struct {
	Text    string // the latest text by its author; "" when deleted
	Edited  bool
	Deleted bool
	// Reactions that are on, per emoji (none on a deleted message).
	Reactions []Reaction
	// Reply is what the line replies to; nil when it is no reply.
	Reply *Quote
}

// Quote is the message a reply answers, as shown above the reply.
type Quote struct {
	_ noCompare

	// Key is the target's message key, for jumping to it.
	Key  string
	Nick string // "" when the target is not in this history
	// Text is a snippet of the target's current text; when the target is
	// not here, the snippet the reply carried; "" when deleted.
	Text    string
	Deleted bool
	// Missing: the target is not in this history (older than it, or
	// never sent); the UI may still load older history to find it.
	Missing bool
}

// resolve returns the line key's current state as me (the reader, for
// Reaction.Mine) sees it; ok is false when key is not a line.
func (t *threads) resolve(key string, me author) (res Resolved, ok bool) {
	line := t.lines[key]
	if line == nil {
		return Resolved{}, false
	}
	res.Text, res.Edited, res.Deleted = t.current(key, line)
	if !res.Deleted {
		if r := t.refs[key]; r != nil {
			res.Reactions = r.reactions.view(me)
		}
	}
	if line.reply != nil {
		res.Reply = t.quote(line.reply)
	}
	return res, true
}

// current applies the edits and deletes of line's own author only.
func (t *threads) current(key string, line *threadLine) (text string, edited, deleted bool) {
	r := t.refs[key]
	if r == nil {
		return line.text, false, false
	}
	for _, d := range r.deletes {
		if d.by == line.by {
			return "", false, true // final: a later (or earlier) edit cannot bring it back
		}
	}
	text = line.text
	var latest *editStatement
	for i, e := range r.edits {
		if e.by == line.by && (latest == nil || latest.at.before(e.at)) {
			latest = &r.edits[i]
		}
	}
	if latest != nil {
		text, edited = latest.text, true
	}
	return text, edited, false
}

func (t *threads) quote(ref *refData) *Quote {
	key := ref.targetKey()
	target := t.lines[key]
	if target == nil {
		return &Quote{Key: key, Text: ref.Quote, Missing: true}
	}
	text, _, deleted := t.current(key, target)
	return &Quote{Key: key, Nick: target.nick, Text: shorten(text, maxQuote), Deleted: deleted}
}

// threadsOf resolves the references among history.
func threadsOf(history []storedMessage) *threads {
	t := newThreads()
	for _, m := range history {
		t.add(m)
	}
	return t
}
