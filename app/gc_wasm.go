//go:build wasm

package main

import "runtime/debug"

// gcPercent lets Go's heap grow to five times what is live before a
// collection, not twice: the app keeps 1-2 MB live, so the default ran into
// the 4 MB minimum goal and collected two to four times a second during a
// flood of 50 messages a second (GODEBUG=gctrace=1 in the page). In the
// browser every cycle's marking runs on the page's one thread, much of it
// in one stretch when Go goes idle, and a keypress waits behind it. At
// 400 a flood collects every few seconds, for about 12 MB more memory.
const gcPercent = 400

func init() { debug.SetGCPercent(gcPercent) }
