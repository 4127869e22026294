//go:build !wasm

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A style rule left open swallows every rule after it: browsers that know
// CSS nesting read them as nested under its selector, where they match
// nothing, and the file still loads without an error. web/app.css nests
// nothing but at-rules (@media, @supports), so a '{' inside a style rule,
// or a block still open at the end, is such a mistake.
func TestStylesheet_EveryStyleRuleClosesBeforeTheNext(t *testing.T) {
	path := filepath.Join("..", DefaultWebDir, "app.css")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	css := string(raw)
	line := func(i int) int { return strings.Count(css[:i], "\n") + 1 }
	var open []int       // where each open block's prelude starts
	var styleRule []bool // whether each open block is a style rule
	prelude := 0         // where the current prelude starts
	for i := 0; i < len(css); i++ {
		switch c := css[i]; c {
		case '/':
			if strings.HasPrefix(css[i:], "/*") {
				end := strings.Index(css[i+2:], "*/")
				if end < 0 {
					t.Fatalf("%s:%d: a comment is never closed", path, line(i))
				}
				if strings.TrimSpace(css[prelude:i]) == "" {
					prelude = i + 2 + end + 2 // a comment before a prelude is not part of it
				}
				i += 2 + end + 1
			}
		case '"', '\'':
			end := strings.IndexByte(css[i+1:], c)
			if end < 0 {
				t.Fatalf("%s:%d: a string is never closed", path, line(i))
			}
			i += 1 + end
		case '{':
			if len(styleRule) > 0 && styleRule[len(styleRule)-1] {
				t.Fatalf("%s:%d: %q opens inside the style rule of line %d, which is not closed",
					path, line(i), strings.TrimSpace(css[prelude:i]), line(open[len(open)-1]))
			}
			open = append(open, i-len(strings.TrimLeft(css[prelude:i], " \t\n")))
			styleRule = append(styleRule, !strings.HasPrefix(strings.TrimSpace(css[prelude:i]), "@"))
			prelude = i + 1
		case '}':
			if len(open) == 0 {
				t.Fatalf("%s:%d: '}' closes nothing", path, line(i))
			}
			open, styleRule = open[:len(open)-1], styleRule[:len(styleRule)-1]
			prelude = i + 1
		case ';':
			prelude = i + 1
		}
	}
	if len(open) > 0 {
		t.Fatalf("%s:%d: a block is never closed", path, line(open[len(open)-1]))
	}
}
