package chat

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// Segment is a piece of message text: plain text, a link when URL is set,
// a mention, or styled text (Markup).
// URL is only ever an http(s) URL, so rendering it as href is safe.
type Segment struct {
	_ noCompare

	Text string // what to display
	URL  string // the link target; empty for plain text
	// Mention: Text is "@nick" of someone present (Markup); Me: that
	// someone is me.
	Mention, Me bool
	// Style: plain text set as Markup found it marked, its marks left out.
	Style Style
}

// MaxLinks is how many links Linkify makes of one message at most; the rest
// stays plain text. Each link is an element the page must build and lay out,
// so a message made of thousands of short links would cost many times what
// the same bytes of prose cost; a real message never needs more.
const MaxLinks = 100

// maxLinkTries bounds the candidates Linkify parses in one message, valid or
// not, so that thousands of "http://%" cost no more than a few links.
const maxLinkTries = 4 * MaxLinks

// Linkify splits text into plain segments and http(s) link segments. Only
// links that start with http:// or https:// are recognized, so javascript:,
// data: and every other scheme stay plain text. Trailing punctuation that
// usually ends a sentence (".", ",", ")" without a matching "(", …) is left
// out of the link.
//
// It runs in time linear in len(text) whatever the text: every byte is
// scanned a bounded number of times (a message of 7,500 "http://" once made
// it quadratic), at most maxLinkTries candidates are parsed and at most
// MaxLinks links come out.
func Linkify(text string) []Segment {
	var segments []Segment
	plainStart, links := 0, 0
	for i, tries := 0, 0; i < len(text) && links < MaxLinks && tries < maxLinkTries; tries++ {
		start := linkStart(text, i)
		if start < 0 {
			break
		}
		end := linkEnd(text, start)
		target := text[start:end]
		if !safeLink(target) {
			// The rest of this run of URL characters was just scanned and
			// parsed; scanning it again from every later "http" in it would
			// be quadratic. A valid URL glued to an invalid one stays text.
			i = max(tokenEnd(text, start), start+1)
			continue
		}
		if start > plainStart {
			segments = append(segments, Segment{Text: text[plainStart:start]})
		}
		segments = append(segments, Segment{Text: target, URL: target})
		plainStart, i = end, end
		links++
	}
	if plainStart < len(text) {
		segments = append(segments, Segment{Text: text[plainStart:]})
	}
	return segments
}

// linkStart finds the next "http://" or "https://" (any case) at or after i
// that does not continue a word, so "xhttp://" is not a link. It compares in
// place: lowering the text first would copy it for every candidate.
func linkStart(text string, i int) int {
	for i < len(text) {
		j := strings.IndexAny(text[i:], "hH")
		if j < 0 {
			return -1
		}
		j += i
		if (hasPrefixFold(text[j:], "http://") || hasPrefixFold(text[j:], "https://")) && !wordBefore(text, j) {
			return j
		}
		i = j + 1
	}
	return -1
}

// hasPrefixFold reports whether s starts with the lowercase ASCII prefix,
// ignoring the case of ASCII letters.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

func wordBefore(text string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r == '_' || r == '/' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
}

// tokenEnd returns where the run of characters that may belong to a URL,
// starting at start, ends.
func tokenEnd(text string, start int) int {
	end := start
	for end < len(text) {
		r, size := utf8.DecodeRuneInString(text[end:])
		if r <= ' ' || r == '<' || r == '>' || r == '"' || r == '`' || r == utf8.RuneError || isUnicodeSpace(r) {
			break
		}
		end += size
	}
	return end
}

// linkEnd returns where the link starting at start ends: at whitespace or a
// character that cannot be part of a URL in prose, minus trailing punctuation.
// The brackets are counted once, then kept up to date while trimming.
func linkEnd(text string, start int) int {
	end := tokenEnd(text, start)
	open, closed := strings.Count(text[start:end], "("), strings.Count(text[start:end], ")")
	openSq, closedSq := strings.Count(text[start:end], "["), strings.Count(text[start:end], "]")
	for end > start {
		last := text[end-1]
		switch {
		case strings.IndexByte(".,;:!?'*", last) >= 0:
		case last == ')' && open < closed:
			closed--
		case last == ']' && openSq < closedSq:
			closedSq--
		default:
			return end
		}
		end--
	}
	return end
}

func isUnicodeSpace(r rune) bool {
	switch r {
	case '\u00a0', '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000':
		return true
	}
	return r >= '\u2000' && r <= '\u200a'
}

// safeLink accepts only absolute http(s) URLs with a host. A bare scheme
// ("http://", the commonest junk) is refused before url.Parse allocates.
func safeLink(target string) bool {
	if rest := target[strings.Index(target, "//")+2:]; rest == "" || rest[0] == '/' {
		return false
	}
	u, err := url.Parse(target)
	if err != nil {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return (scheme == "http" || scheme == "https") && u.Host != "" && u.Opaque == ""
}
