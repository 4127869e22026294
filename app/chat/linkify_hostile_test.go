package chat

import (
	"runtime"
	"strings"
	"testing"
)

// hostileSize is the size of the messages that once froze every member's
// tab: just under the relay's default 64 KiB frame.
const hostileSize = 60_000

// fill repeats unit up to n bytes, cut at a rune boundary.
func fill(unit string, n int) string {
	s := strings.Repeat(unit, n/len(unit)+1)
	s = s[:n]
	return strings.ToValidUTF8(s, "")
}

// linkifyShapes are 60 KB messages of plain prose and of the shapes that
// cost the most in Linkify or in the page that renders its segments.
var linkifyShapes = []struct{ name, text string }{
	{"plain words", fill("the quick brown fox jumps over the lazy dog ", hostileSize)},
	{"http:// candidates", fill("http:// ", hostileSize)},
	{"HTTP:// candidates", fill("HTTP:// ", hostileSize)},
	{"many short links", fill("http://a.b ", hostileSize)},
	{"long unbroken word", fill("a", hostileSize)},
	{"one long link", "https://example.com/" + fill("a", hostileSize-20)},
	{"closing brackets", "https://example.com/" + fill(")", hostileSize-20)},
	{"invalid links", fill("http://% ", hostileSize)},
	{"glued invalid links", fill("(http://%zz", hostileSize)},
	{"emoji and combining marks", fill("👩‍👩‍👧e\u0301\u0302\u0303\u0304", hostileSize)},
	{"deep bidi", fill("\u202e\u202b\u2067abc ", hostileSize)},
	{"@a mentions", fill("@a ", hostileSize)},
}

// BenchmarkLinkify compares 60 KB of plain words with 60 KB of hostile
// shapes: each should cost about what prose costs.
func BenchmarkLinkify(b *testing.B) {
	for _, shape := range linkifyShapes {
		b.Run(shape.name, func(b *testing.B) {
			b.SetBytes(int64(len(shape.text)))
			b.ReportAllocs()
			for b.Loop() {
				Linkify(shape.text)
			}
		})
	}
}

// TestLinkify_HostileAllocatesLikePlain: no shape of 60 KB makes Linkify
// allocate more than a small multiple of its size. Allocation is counted, not
// timed, so the test is exact on a busy machine; copying the text per link
// candidate (the old strings.ToLower) allocated 7,500 × 60 KB.
func TestLinkify_HostileAllocatesLikePlain(t *testing.T) {
	const maxBytesPerInputByte = 4
	for _, shape := range linkifyShapes {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		Linkify(shape.text)
		runtime.ReadMemStats(&after)
		allocated := after.TotalAlloc - before.TotalAlloc
		if limit := uint64(maxBytesPerInputByte * len(shape.text)); allocated > limit {
			t.Errorf("%s: Linkify allocated %d bytes for %d, over %d", shape.name, allocated, len(shape.text), limit)
		}
	}
}

// TestLinkify_HostileShapes: the shapes still split as they should.
func TestLinkify_HostileShapes(t *testing.T) {
	count := func(segments []Segment) (links int, joined string) {
		var b strings.Builder
		for _, s := range segments {
			if s.URL != "" {
				links++
			}
			b.WriteString(s.Text)
		}
		return links, b.String()
	}
	for _, shape := range linkifyShapes {
		links, joined := count(Linkify(shape.text))
		if joined != shape.text {
			t.Errorf("%s: the segments do not join to the text", shape.name)
		}
		want := map[string]int{"many short links": MaxLinks, "one long link": 1, "closing brackets": 1}[shape.name]
		if links != want {
			t.Errorf("%s: %d links, want %d", shape.name, links, want)
		}
	}
	// The brackets of a link are balanced once, not per character trimmed.
	if got := Linkify("https://example.com/" + strings.Repeat(")", 3)); got[0].Text != "https://example.com/" {
		t.Errorf("closing brackets stay in the link: %q", got[0].Text)
	}
}
