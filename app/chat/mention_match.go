package chat

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// mentionMatcher finds "@nick" mentions of many nicks at once in time linear
// in the text, whatever the text and however many nicks: trying every nick
// at every "@" costs len(text) × len(nicks), and a 60 KB message of "@a @a
// …" has 20,000 of them. It reads the runes after an "@" only while they
// still begin some nick (a binary search in the sorted folded nicks), so an
// "@" costs at most MaxNickLen runes and usually one or two.
type mentionMatcher struct {
	folded []string // every nick with its runes folded (foldRune), sorted
	// firstASCII[b] is set when a folded nick starts with the ASCII byte
	// b: most "@" of a hostile text are rejected without a search.
	firstASCII [utf8.RuneSelf]bool
	buf        []byte // scratch for the folded candidate, reused
}

// newMentionMatcher matches nicks. A nick longer than MaxNickLen runes
// (SetNick refuses them, but another client may announce anything) is
// never matched: it would make every "@" cost as much as it is long.
func newMentionMatcher(nicks ...string) *mentionMatcher {
	m := &mentionMatcher{folded: make([]string, 0, len(nicks))}
	for _, nick := range nicks {
		if n := utf8.RuneCountInString(nick); n > 0 && n <= MaxNickLen {
			folded := string(appendFolded(nil, nick))
			m.folded = append(m.folded, folded)
			if folded[0] < utf8.RuneSelf {
				m.firstASCII[folded[0]] = true
			}
		}
	}
	slices.Sort(m.folded)
	return m
}

// at is the length in bytes of the longest mention at text[at:] (which
// starts with '@'), 0 when there is none: the rules of mentionAt, for all
// the nicks at once.
func (m *mentionMatcher) at(text string, at int) int {
	if at > 0 {
		if r, _ := utf8.DecodeLastRuneInString(text[:at]); isNickRune(r) {
			return 0
		}
	}
	if at+1 < len(text) && text[at+1] < utf8.RuneSelf && !m.firstASCII[foldRune(rune(text[at+1]))] {
		return 0
	}
	best := 0
	m.buf = m.buf[:0]
	for end := at + 1; end < len(text); {
		r, size := utf8.DecodeRuneInString(text[end:])
		m.buf = utf8.AppendRune(m.buf, foldRune(r))
		end += size
		// The first nick not below the candidate: one that starts with
		// it, if any nick does.
		i, found := slices.BinarySearch(m.folded, string(m.buf))
		if !found && (i == len(m.folded) || !strings.HasPrefix(m.folded[i], string(m.buf))) {
			break
		}
		if next, _ := utf8.DecodeRuneInString(text[end:]); found && (end == len(text) || !isNickRune(next)) {
			best = end - at
		}
	}
	return best
}

// spans returns the mentions' byte ranges in text[from:to], at most limit
// of them (no limit when limit < 0). Text outside [from, to) still decides
// whether a mention starts or ends a word.
func (m *mentionMatcher) spans(text string, from, to, limit int) [][2]int {
	var spans [][2]int
	for from < to && (limit < 0 || len(spans) < limit) {
		i := strings.IndexByte(text[from:to], '@')
		if i < 0 {
			break
		}
		at := from + i
		if n := m.at(text, at); n > 0 && at+n <= to {
			spans = append(spans, [2]int{at, at + n})
			from = at + n
			continue
		}
		from = at + 1
	}
	return spans
}

// appendFolded appends s with every rune folded (foldRune).
func appendFolded(b []byte, s string) []byte {
	for _, r := range s {
		b = utf8.AppendRune(b, foldRune(r))
	}
	return b
}

// foldRune is the smallest rune that r equals when letter case is ignored,
// the same for every rune of its case-folding orbit: two strings are equal
// under strings.EqualFold exactly when their folded runes are equal.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}
