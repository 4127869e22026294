package chat

import "strings"

// Style is how a piece of message text is set, from the marks people type
// in every chat: *bold*, _italic_, ~strike~ and `code`. The marks are not
// shown; the text stays text (the page sets it with an element, never as
// markup), so a style can change how a message looks and nothing else.
type Style uint8

// The styles, one per mark. Styles do not nest: what lies between two
// marks is set in that mark's style, other marks included, as typed.
const (
	Bold Style = 1 << iota
	Italic
	Strike
	Code
)

// MaxStyled is how many styled pieces one message has at most; the rest
// stays plain text. Like a link (MaxLinks), each is an element the page
// builds.
const MaxStyled = 100

// styleMarks are the marks, in the order of the styles' bits.
const styleMarks = "*_~`"

// formatSegments sets the styled pieces of the plain segments (neither a
// link nor a mention) apart.
//
// A mark is one character, never two of the same side by side. It opens
// at the start of the text or after a character that is not part of a
// word, before one that is not a space; it closes at the next same mark on
// the same line that follows one that is not a space and precedes the end
// or a character that is not part of a word: "*bold*" and "_so_," are
// styled, "2*3*4", "snake_case_name", "a * b *" and "**this**" are not. A
// code span (`…`) closes at the next backtick on its line whatever is
// around it, other than a backtick. A piece is never empty and never spans
// segments: "*see @Ada*" stays as typed.
//
// It runs in time linear in the text: a mark with no close is looked for
// once per line, not once per opening.
func formatSegments(segments []Segment, text string) []Segment {
	if !strings.ContainsAny(text, styleMarks) {
		return segments
	}
	out := make([]Segment, 0, len(segments))
	styled := 0
	for _, s := range segments {
		if s.URL != "" || s.Mention {
			out = append(out, s)
			continue
		}
		// unclosed[k]: no close of mark k lies before this index (where a
		// search for one gave up). A close does not depend on the opening
		// it closes, so one failed search answers every later opening it
		// passed.
		var unclosed [len(styleMarks)]int
		t, plain := s.Text, 0
		for i := 0; i+2 < len(t) && styled < MaxStyled; i++ {
			mark := t[i]
			k := strings.IndexByte(styleMarks, mark)
			if k < 0 || i < unclosed[k] || t[i+1] == '\n' || t[i+1] == mark || i > 0 && t[i-1] == mark ||
				mark != '`' && (i > 0 && isWordByte(t[i-1]) || t[i+1] <= ' ') {
				continue
			}
			end, closed := i+2, false
			for ; !closed && end < len(t) && t[end-1] != '\n'; end++ {
				closed = t[end] == mark && t[end-1] != mark && (end+1 == len(t) || t[end+1] != mark) &&
					(mark == '`' || t[end-1] > ' ' && (end+1 == len(t) || !isWordByte(t[end+1])))
			}
			if !closed {
				unclosed[k] = end
				continue
			}
			end-- // the loop stepped past the close
			out = appendPiece(appendPiece(out, t[plain:i], 0), t[i+1:end], 1<<k)
			styled++
			plain, i = end+1, end
		}
		out = appendPiece(out, t[plain:], 0)
	}
	return out
}

// appendPiece appends a piece of text in style, if there is any text. One
// copy of the append, not one per caller: app.wasm pays per copy (it is
// built without inlining, build.sh's WASM_BUILD_FLAGS).
func appendPiece(out []Segment, text string, style Style) []Segment {
	if text == "" {
		return out
	}
	return append(out, Segment{Text: text, Style: style})
}

// isWordByte: letters, digits and "_" of ASCII, and every byte of a
// non-ASCII character, so that marks inside words of any script stay text.
func isWordByte(c byte) bool {
	return c >= 0x80 || c == '_' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}
