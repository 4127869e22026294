package chat

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// Segment is a piece of message text: plain text, or a link when URL is set.
// URL is only ever an http(s) URL, so rendering it as href is safe.
type Segment struct {
	Text string // what to display
	URL  string // the link target; empty for plain text
}

// Linkify splits text into plain segments and http(s) link segments. Only
// links that start with http:// or https:// are recognized, so javascript:,
// data: and every other scheme stay plain text. Trailing punctuation that
// usually ends a sentence (".", ",", ")" without a matching "(", …) is left
// out of the link.
func Linkify(text string) []Segment {
	var segments []Segment
	plainStart := 0
	for i := 0; i < len(text); {
		start := linkStart(text, i)
		if start < 0 {
			break
		}
		end := linkEnd(text, start)
		target := text[start:end]
		if !safeLink(target) {
			i = start + 1
			continue
		}
		if start > plainStart {
			segments = append(segments, Segment{Text: text[plainStart:start]})
		}
		segments = append(segments, Segment{Text: target, URL: target})
		plainStart, i = end, end
	}
	if plainStart < len(text) {
		segments = append(segments, Segment{Text: text[plainStart:]})
	}
	return segments
}

// linkStart finds the next "http://" or "https://" (any case) at or after i
// that does not continue a word, so "xhttp://" is not a link.
func linkStart(text string, i int) int {
	lower := strings.ToLower(text)
	for i < len(text) {
		j := strings.Index(lower[i:], "http")
		if j < 0 {
			return -1
		}
		j += i
		rest := lower[j:]
		if (strings.HasPrefix(rest, "http://") || strings.HasPrefix(rest, "https://")) && !wordBefore(text, j) {
			return j
		}
		i = j + 4
	}
	return -1
}

func wordBefore(text string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r == '_' || r == '/' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
}

// linkEnd returns where the link starting at start ends: at whitespace or a
// character that cannot be part of a URL in prose, minus trailing punctuation.
func linkEnd(text string, start int) int {
	end := start
	for end < len(text) {
		r, size := utf8.DecodeRuneInString(text[end:])
		if r <= ' ' || r == '<' || r == '>' || r == '"' || r == '`' || r == utf8.RuneError || isUnicodeSpace(r) {
			break
		}
		end += size
	}
	for end > start {
		last := text[end-1]
		switch {
		case strings.IndexByte(".,;:!?'*", last) >= 0:
			end--
		case last == ')' && strings.Count(text[start:end], "(") < strings.Count(text[start:end], ")"):
			end--
		case last == ']' && strings.Count(text[start:end], "[") < strings.Count(text[start:end], "]"):
			end--
		default:
			return end
		}
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

// safeLink accepts only absolute http(s) URLs with a host.
func safeLink(target string) bool {
	u, err := url.Parse(target)
	if err != nil {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return (scheme == "http" || scheme == "https") && u.Host != "" && u.Opaque == ""
}
