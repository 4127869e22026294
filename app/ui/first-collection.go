package ui

import "runtime"

// firstCollection runs the program's first garbage collection once the
// start is over: when the first room is online and shown. In the browser
// the first cycle is the costly one, 80-110 ms in one run of Go against
// 10-30 ms for the next ones (BENCHMARKS.md, "The flood's first keys and
// first collection"): V8 compiles the collector's code then (it compiles a
// wasm function on its first call), and a keypress waits behind all of it.
// Left to itself it would come when something first fills the heap to its
// goal (16 MB at app/gc_wasm.go's setting): in the middle of a flood of
// messages while the person types. Now the heap is a few MB, so the cycle
// is short but for the compiling, and nobody is typing yet.
type firstCollection struct{ done bool }

// after runs the collection, once, when state is online.
func (f *firstCollection) after(online bool) {
	if f.done || !online {
		return
	}
	f.done = true
	go runtime.GC()
}
