package chat

import (
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Word lists of RandomNick: short, friendly, and safe to show anywhere.
var (
	nickAdjectives = []string{
		"brave", "calm", "clever", "cosy", "curious", "daring", "eager", "fancy", "gentle", "happy",
		"jolly", "kind", "lively", "lucky", "merry", "nimble", "polite", "proud", "quick", "quiet",
		"shy", "silly", "sleepy", "snowy", "sunny", "swift", "tidy", "witty", "wise", "zesty",
	}
	nickCreatures = []string{
		"otter", "badger", "falcon", "fox", "gecko", "heron", "koala", "lemur", "lynx", "marmot",
		"moose", "newt", "ocelot", "owl", "panda", "puffin", "quokka", "rabbit", "raven", "seal",
		"sloth", "squid", "stoat", "tapir", "tiger", "turtle", "walrus", "wombat", "yak", "zebra",
	}
)

// RandomNick returns an adjective and a creature joined by a dash, such as
// "brave-otter". rnd returns values in [0,1); nil means math/rand/v2.
func RandomNick(rnd func() float64) string {
	rnd = orRandom(rnd)
	return pick(nickAdjectives, rnd) + "-" + pick(nickCreatures, rnd)
}

func pick(words []string, rnd func() float64) string {
	i := int(rnd() * float64(len(words)))
	return words[min(max(i, 0), len(words)-1)]
}

// orRandom returns rnd, or math/rand/v2's Float64 when rnd is nil.
func orRandom(rnd func() float64) func() float64 {
	if rnd == nil {
		return rand.Float64
	}
	return rnd
}

// CleanNick makes a nickname safe to show next to other people's: control
// and format characters are removed (bidi overrides, embeddings and isolates,
// LRM/RLM, zero-width spaces and joiners, soft hyphens, BOM, tag characters:
// Unicode categories Cc and Cf), so that no nick can reorder the text around
// it or pass for another one ("alice" and "al\u200bice" look alike), and runs
// of white space become one space. Invisible Hangul fillers go too.
func CleanNick(nick string) string {
	var b strings.Builder
	space := false
	for _, r := range nick {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case invisibleRune(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// invisibleRune reports whether r shows nothing (or only moves other text).
func invisibleRune(r rune) bool {
	switch r {
	case '\u115f', '\u1160', '\u3164', '\uffa0', '\u034f', '\u2800':
		return true
	}
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
}
