//go:build !js

package e2e

import (
	"cmp"
	"encoding/json"
	"os"
	"slices"
	"testing"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
)

// traceEvent is one event of a Chrome trace.
type traceEvent struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat"`
	Ph   string         `json:"ph"`
	Ts   float64        `json:"ts"`   // µs
	Dur  float64        `json:"dur"`  // µs
	TDur float64        `json:"tdur"` // µs of the thread's CPU
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid"`
	Args map[string]any `json:"args"`
}

// traceEventsByTime decodes a trace's events (leaving out any that do not
// decode) in the order of their start.
func traceEventsByTime(raw []jsonv2.Value) []traceEvent {
	var all []traceEvent
	for _, r := range raw {
		var e traceEvent
		if json.Unmarshal(r, &e) == nil {
			all = append(all, e)
		}
	}
	slices.SortFunc(all, func(a, b traceEvent) int { return cmp.Compare(a.Ts, b.Ts) })
	return all
}

// writeTrace writes a trace's events to path as a Chrome trace file (for
// ui.perfetto.dev or chrome://tracing).
func writeTrace(b *testing.B, path string, events []jsonv2.Value) {
	b.Helper()
	raw, err := json.Marshal(map[string]any{"traceEvents": events})
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		b.Fatal(err)
	}
}
