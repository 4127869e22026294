package main

import "runtime"

// DefaultMinProcs is the fewest Ps (GOMAXPROCS) the relay runs with, even
// on one CPU.
//
// Why: the writer pool writes a fan-out with all Ps but one and leaves that
// one to the network poller (relay/writer_pool.go), so that a message that
// arrives during a fan-out is read at once and joins the frames still
// queued. With one P there is none to leave: the Go scheduler polls the
// network only when the P runs out of work or from sysmon (every 10 ms or
// more), so on a one-CPU host the later messages of a bunch were read after
// the pass and every member got them in a frame of its own, and the relay
// also gave up its raw socket I/O (relay/socket_raw.go). With two Ps on one
// CPU the second P's thread sleeps in the poller and the kernel wakes it
// when a message arrives (BENCHMARKS.md, "Low load, the tail, measured
// fairly").
const DefaultMinProcs = 2

// setMinProcs raises GOMAXPROCS to minProcs when the runtime chose fewer
// (one CPU, or a CPU affinity of one), unless GOMAXPROCS is set in the
// environment: an explicit choice wins. minProcs ≤ 1 keeps the runtime's
// choice. It runs before relay.New, which sizes the writer pool by
// GOMAXPROCS.
func setMinProcs(minProcs int, lookupEnv func(string) (string, bool)) {
	if _, set := lookupEnv("GOMAXPROCS"); set {
		return
	}
	if runtime.GOMAXPROCS(0) < minProcs {
		runtime.GOMAXPROCS(minProcs)
	}
}
