package chat

import (
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ReadMark is where a person stopped reading a room: the last message line
// they saw. The zero ReadMark means they never read it.
type ReadMark struct {
	Key string // the line's message key
	// Time is the line's relay time: it places the mark when that line is
	// no longer among the lines (trimmed, or deleted from history).
	Time time.Time
}

// Unread is a room's unread state, for the sidebar's badge, the title's
// total and the timeline's "new messages" divider.
type Unread struct {
	// Count is the messages from others after the mark; edits, deletes and
	// reactions are not lines and do not count, nor do deleted messages.
	Count int
	// Mentions is how many of them mention me (@nick).
	Mentions int
	// First is the index in lines of the first of them, where the divider
	// goes; -1 when there is none.
	First int
}

// ReadUpTo is the mark after reading lines: their last delivered message,
// or mark itself when lines hold none newer.
func ReadUpTo(mark ReadMark, lines []Line) ReadMark {
	for i := len(lines) - 1; i >= 0; i-- {
		if l := &lines[i]; l.Kind == LineMessage && l.Seq > 0 {
			if l.Time.Before(mark.Time) {
				return mark
			}
			return ReadMark{Key: l.Key, Time: l.Time}
		}
	}
	return mark
}

// lineIndex is where the line with key is in lines, -1 if nowhere. A loop,
// not slices.IndexFunc: each generic instance on a type of ours adds its
// own code to app.wasm.
func lineIndex(lines []Line, key string) int {
	for i := range lines {
		if lines[i].Key == key {
			return i
		}
	}
	return -1
}

// CountUnread counts the lines after mark from others; myNick is who
// mentions are of ("" counts none).
func CountUnread(lines []Line, mark ReadMark, myNick string) Unread {
	u := Unread{First: -1}
	start := 0
	if mark.Key != "" {
		if i := lineIndex(lines, mark.Key); i >= 0 {
			start = i + 1
		} else {
			// The marked line is gone: what came after its time is unread.
			start = len(lines)
			for i, l := range lines {
				if l.Kind == LineMessage && l.Time.After(mark.Time) {
					start = i
					break
				}
			}
		}
	}
	for i := start; i < len(lines); i++ {
		l := lines[i]
		if l.Kind != LineMessage || l.Mine || l.Deleted {
			continue
		}
		u.Count++
		if u.First < 0 {
			u.First = i
		}
		if Mentions(l.Text, myNick) {
			u.Mentions++
		}
	}
	return u
}

// Mentions reports whether text mentions nick as "@nick": letter case
// aside, with the @ not inside a word (a mail address is no mention) and
// the nick not running on into a longer word ("@Ada" is not in "@Adam").
// A longer nick that starts with nick and a space ("@Ada Lovelace") also
// mentions nick: the person is still likely to want it.
func Mentions(text, nick string) bool {
	if nick == "" {
		return false
	}
	for from := 0; ; {
		i := strings.IndexByte(text[from:], '@')
		if i < 0 {
			return false
		}
		at := from + i
		if n := mentionAt(text, at, nick); n > 0 {
			return true
		}
		from = at + 1
	}
}

// MentionSpans returns the byte ranges [start, end) of text that mention
// any of nicks (the "@" included), for highlighting; where two nicks match
// at one "@", the longer wins. It runs in time linear in len(text), however
// many nicks (mention_match.go).
func MentionSpans(text string, nicks []string) [][2]int {
	return newMentionMatcher(nicks...).spans(text, 0, len(text), -1)
}

// mentionAt is the length in bytes of "@nick" at text[at:] (which starts
// with '@'), or 0 when there is no mention of nick there.
func mentionAt(text string, at int, nick string) int {
	if at > 0 {
		if r, _ := utf8.DecodeLastRuneInString(text[:at]); isNickRune(r) {
			return 0
		}
	}
	name, ok := runePrefix(text[at+1:], utf8.RuneCountInString(nick))
	if !ok || !strings.EqualFold(name, nick) {
		return 0
	}
	end := at + 1 + len(name)
	if r, _ := utf8.DecodeRuneInString(text[end:]); end < len(text) && isNickRune(r) {
		return 0
	}
	return end - at
}

// isNickRune: a rune that continues a word of a nick (RandomNick joins
// words with '-').
func isNickRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || r == '-'
}

// MentionCompletions helps type a mention: when draft ends with "@" and the
// start of a nick, start is the byte index of that "@" and matches are the
// nicks it may become (letter case aside, sorted, each once), so that the
// composer replaces draft[start:] with "@" + nick + " ". start is -1 when
// the draft does not end in a mention being typed.
func MentionCompletions(draft string, nicks []string) (start int, matches []string) {
	at := strings.LastIndexByte(draft, '@')
	if at < 0 {
		return -1, nil
	}
	typed := draft[at+1:]
	if strings.ContainsFunc(typed, unicode.IsSpace) {
		return -1, nil
	}
	if r, _ := utf8.DecodeLastRuneInString(draft[:at]); at > 0 && isNickRune(r) {
		return -1, nil
	}
	for _, nick := range nicks {
		prefix, ok := runePrefix(nick, utf8.RuneCountInString(typed))
		if ok && strings.EqualFold(prefix, typed) && !slices.Contains(matches, nick) {
			matches = append(matches, nick)
		}
	}
	sort.Sort(byLowerNick(matches))
	return at, matches
}

// byLowerNick sorts nicks letter case aside. sort.Sort, not slices.SortFunc:
// the app links sort.Sort already, and a sort of strings of its own costs
// app.wasm ~18 KB.
type byLowerNick []string

func (s byLowerNick) Len() int           { return len(s) }
func (s byLowerNick) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }
func (s byLowerNick) Less(i, j int) bool { return strings.ToLower(s[i]) < strings.ToLower(s[j]) }

// runePrefix is the first n runes of s; ok is false when s is shorter.
func runePrefix(s string, n int) (prefix string, ok bool) {
	end := 0
	for range n {
		if end >= len(s) {
			return "", false
		}
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	return s[:end], true
}
