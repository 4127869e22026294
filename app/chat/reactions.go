package chat

import (
	"slices"
	"sort"
)

// ReactionEmoji is the small set of reactions a person can toggle on a
// message, in the order the picker shows them. A reaction with any other
// emoji is read as plain text (refs.go): the set can grow later without
// older clients showing what they cannot offer.
var ReactionEmoji = [...]string{"👍", "❤️", "😂", "😮", "😢", "🎉"}

func isReactionEmoji(e string) bool { return slices.Contains(ReactionEmoji[:], e) }

// Reaction is one emoji's reactions on a message, as shown under it.
type Reaction struct {
	Emoji string
	Count int
	// Nicks are who reacted, earliest first, for the accessible name and
	// the tooltip ("Ada, Bob").
	Nicks []string
	// Mine: I reacted with this emoji; pressing it takes mine back.
	Mine bool
}

// author is who published a message: its cid and, in a private room, its
// verified signer ("" in a plain room). Two messages have the same author
// only when both match.
type author struct{ cid, signer string }

func authorOf(m storedMessage) author { return author{cid: m.CID, signer: m.Signer} }

// order places publications in time: the relay's clock first, then the
// order this client learnt of them (same millisecond). It makes the result
// independent of arrival order up to such ties.
type order struct {
	ts      int64
	arrival uint64
}

func (o order) before(p order) bool {
	return o.ts < p.ts || (o.ts == p.ts && o.arrival < p.arrival)
}

// reactionSet holds, for each (emoji, reactor), the reactor's latest
// statement: a reaction is on when the latest says so.
type reactionSet map[reactionKey]reactionState

type reactionKey struct {
	emoji string
	by    author
}

type reactionState struct {
	_ noCompare

	on     bool
	nick   string
	at     order
	source string // the key of the publication that stated it
	// since is when this reactor's reaction was last turned on, so that
	// Nicks keep first reactors first.
	since order
}

// state records that by (shown as nick) turned emoji on or off at at. An
// older statement than the one kept changes nothing.
func (s reactionSet) state(emoji string, by author, nick string, on bool, at order, source string) {
	k := reactionKey{emoji: emoji, by: by}
	old, ok := s[k]
	if ok && at.before(old.at) {
		return
	}
	since := at
	if ok && old.on && on && old.since.before(at) {
		since = old.since
	}
	s[k] = reactionState{on: on, nick: nick, at: at, source: source, since: since}
}

// forget drops the statement published as source (it left the history).
func (s reactionSet) forget(source string) {
	for k, st := range s {
		if st.source == source {
			delete(s, k)
		}
	}
}

// view aggregates the reactions that are on, per emoji in the picker's
// order; me is the reader, for Mine.
func (s reactionSet) view(me author) []Reaction {
	by := map[string][]reactor{}
	for k, st := range s {
		if st.on {
			by[k.emoji] = append(by[k.emoji], reactor{nick: st.nick, since: st.since, me: k.by == me})
		}
	}
	var out []Reaction
	for _, emoji := range ReactionEmoji {
		reactors := by[emoji]
		if len(reactors) == 0 {
			continue
		}
		sort.Sort(bySince(reactors))
		r := Reaction{Emoji: emoji, Count: len(reactors)}
		for _, x := range reactors {
			r.Nicks = append(r.Nicks, x.nick)
			r.Mine = r.Mine || x.me
		}
		out = append(out, r)
	}
	return out
}

// reactor is one person's reaction with one emoji, for view.
type reactor struct {
	_ noCompare

	nick  string
	since order
	me    bool
}

// bySince orders reactors by when they reacted, then nick. sort.Sort rather
// than slices.SortFunc: the wasm links sort already, while a SortFunc on a
// struct element instantiates its own pdqsort (see byNick in presence.go).
type bySince []reactor

func (s bySince) Len() int      { return len(s) }
func (s bySince) Swap(i, j int) { s[i], s[j] = s[j], s[i] }
func (s bySince) Less(i, j int) bool {
	if s[i].since.before(s[j].since) {
		return true
	}
	if s[j].since.before(s[i].since) {
		return false
	}
	return s[i].nick < s[j].nick
}
