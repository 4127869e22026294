package chat

import "math/rand/v2"

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
