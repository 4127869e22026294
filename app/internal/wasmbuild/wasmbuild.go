// Package wasmbuild says how app.wasm is built, for the Go tools that must
// build it exactly as build.sh ships it: the size test (app/size_test.go)
// and wasmsize. build.sh spells the same values out, and
// TestWasmBuildFlags keeps the two in step.
package wasmbuild

import (
	"os"
	"os/exec"
)

// Flags are build.sh's WASM_BUILD_FLAGS. -gcflags=all=-l turns inlining
// off: the file grows, its brotli shrinks (BENCHMARKS.md, "app.wasm size").
// syscall/js keeps it: inlined, makeArgSlices keeps each call's arguments
// on the stack instead of allocating them.
var Flags = []string{"-trimpath", "-gcflags=all=-l", "-gcflags=syscall/js=", "-ldflags=-s -w"}

// Experiment is build.sh's WASM_GOEXPERIMENT: Go 1.25's garbage collector
// instead of Green Tea, whose gains are for many cores while a browser runs
// the wasm on one thread. It changes how the runtime collects, not what the
// program does, and takes about 15 KB off app.wasm's brotli.
const Experiment = "nogreenteagc"

// Env is environ with GOOS=js, GOARCH=wasm and Experiment added to
// GOEXPERIMENT, if this Go knows it: go refuses to build with an experiment
// it does not know, and a later Go may drop this one, so then the wasm is
// built with the default collector rather than not at all.
func Env(environ []string) []string { return env(environ, Experiment) }

func env(environ []string, want string) []string {
	env := append(environ[:len(environ):len(environ)], "GOOS=js", "GOARCH=wasm")
	experiment := want
	if current := os.Getenv("GOEXPERIMENT"); current != "" {
		experiment = current + "," + want
	}
	probe := exec.Command("go", "env", "GOEXPERIMENT")
	probe.Env = append(env, "GOEXPERIMENT="+experiment)
	if probe.Run() != nil {
		return env
	}
	return append(env, "GOEXPERIMENT="+experiment)
}
