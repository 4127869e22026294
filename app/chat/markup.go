package chat

import "strings"

// MaxMentions is how many mentions Markup marks in one message at most; the
// rest stays plain text. Like a link (MaxLinks), each is an element the page
// builds, and no real message mentions a hundred people.
const MaxMentions = 100

// Markup splits a message's text for display: plain text, http(s) links
// (Linkify), "@nick" mentions of the nicks (Mentions' rules; the longer
// nick wins where two match), marked Me when the nick is me, and the plain
// text's *styled* pieces (formatSegments). A mention is never found inside
// a link, nor a style inside either. me is matched whether or not it is
// among nicks.
//
// Like Linkify it runs in time linear in len(text) whatever the text and
// however many nicks: each "@" costs at most MaxNickLen runes of reading
// (mentionMatcher), and at most MaxMentions mentions and MaxStyled styled
// pieces come out.
func Markup(text string, nicks []string, me string) []Segment {
	segments := Linkify(text)
	if strings.IndexByte(text, '@') < 0 || (len(nicks) == 0 && me == "") {
		return formatSegments(segments, text)
	}
	everyone := newMentionMatcher(append(nicks[:len(nicks):len(nicks)], me)...)
	mine := newMentionMatcher(me)
	out := make([]Segment, 0, len(segments))
	mentions, offset := 0, 0
	for _, s := range segments {
		from, to := offset, offset+len(s.Text)
		offset = to
		if s.URL != "" || mentions >= MaxMentions {
			out = append(out, s)
			continue
		}
		plain := from
		for _, span := range everyone.spans(text, from, to, MaxMentions-mentions) {
			if span[0] > plain {
				out = append(out, Segment{Text: text[plain:span[0]]})
			}
			// Mine only when the whole span is my nick: "@Ada Lovelace"
			// is someone else's mention even when I am "Ada".
			me := mine.at(text[:span[1]], span[0]) == span[1]-span[0]
			out = append(out, Segment{Text: text[span[0]:span[1]], Mention: true, Me: me})
			plain = span[1]
			mentions++
		}
		if plain < to {
			out = append(out, Segment{Text: text[plain:to]})
		}
	}
	return formatSegments(out, text)
}
