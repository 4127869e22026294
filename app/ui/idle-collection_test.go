//go:build wasm

package ui

import (
	"runtime"
	"testing"
	"time"
)

// TestIdleCollection_CollectsInIdleTimeEveryFewViews: the first online view
// collects; then no view collects until idleCollectViews have come, and the
// one that makes a cycle due does not run it but leaves it to the browser's
// next idle moment, where it runs (a flood's keypress must not wait behind
// a render and a cycle in one stretch).
func TestIdleCollection_CollectsInIdleTimeEveryFewViews(t *testing.T) {
	var g idleCollection
	start := numGC()
	g.after(false)
	g.after(true)
	waitForGC(t, start, "the first online view")

	first := numGC()
	for range idleCollectViews - 2 {
		g.after(true)
	}
	if g.pending.Load() {
		t.Fatalf("%d views asked for an idle cycle; want %d", idleCollectViews-1, idleCollectViews)
	}
	g.after(true)
	if got := numGC(); got != first {
		t.Fatalf("the view that made a cycle due ran it (%d cycles); want it left to an idle moment", got-first)
	}
	waitForGC(t, first, "an idle moment after the due view")
	if g.pending.Load() {
		t.Error("the idle cycle is still pending after it ran")
	}
}

func numGC() uint32 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.NumGC
}

// waitForGC waits until a cycle after the first since cycles have run:
// the wait lets the browser's event loop, and so its idle callbacks, run.
func waitForGC(t *testing.T, since uint32, after string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for numGC() == since {
		select {
		case <-deadline:
			t.Fatalf("no collection after %s", after)
		case <-tick.C:
		}
	}
}
