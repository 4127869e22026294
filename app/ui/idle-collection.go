package ui

import (
	"runtime"
	"sync/atomic"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// idleCollection runs Go's garbage collections in the page's idle time. In
// the browser a cycle runs on the page's one thread: its marking and
// sweeping take 10-20 ms in one stretch, right after whatever Go ran when
// the heap reached its goal. Left to itself, during a flood of messages
// that is a render, and a keypress waits behind both (BENCHMARKS.md, "The
// flood's collections in idle time"). So after every idleCollectViews new
// views of the open room, well before a flood's garbage reaches the goal,
// the cycle runs when the browser says it is idle (requestIdleCallback) with
// room for it, in a task of its own. The heap is not read to decide:
// runtime.ReadMemStats would add 4 KB to app.wasm. A browser without
// requestIdleCallback (Safari) leaves every cycle to the runtime, as before.
// The first cycle runs when the first room is online: it is the costly one
// (80-110 ms against 10-20 for the next ones: V8 compiles the collector's
// code on its first call), and nobody is typing yet.
type idleCollection struct {
	views int // online views since the last cycle was asked for
	// pending is set while an idle callback is asked for.
	pending atomic.Bool
	onIdle  app.Func
}

// idleCollectViews is how many views of the open room make an idle cycle
// due: a flood of 50 messages a second renders 20 views a second and
// allocates about 4 MB a second, against the 16 MB goal of app/gc_wasm.go.
const idleCollectViews = 50

// idleCollectRoom is the idle time (ms) a cycle needs: one that would run
// into the next frame waits for a longer idle moment.
const idleCollectRoom = 20

// after is told of each new view of the open room; online is whether it is.
func (g *idleCollection) after(online bool) {
	if !online {
		return
	}
	if g.views++; g.views == 1 {
		go runtime.GC()
		return
	}
	win := app.Window()
	if g.views < idleCollectViews || g.pending.Load() || !win.Get("requestIdleCallback").Truthy() {
		return
	}
	if g.onIdle == nil {
		g.onIdle = app.FuncOf(func(this app.Value, args []app.Value) any {
			if args[0].Call("timeRemaining").Float() < idleCollectRoom {
				app.Window().Call("requestIdleCallback", g.onIdle)
				return nil
			}
			runtime.GC()
			g.pending.Store(false)
			return nil
		})
	}
	g.views = 1
	g.pending.Store(true)
	win.Call("requestIdleCallback", g.onIdle)
}
