//go:build !wasm

package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBuildSite_AppJSStartsFast: the page starts web/wasm-compile.js from
// its <head>; the generated app.js instantiates the module that worker
// compiled, else hands fetch's own Response to instantiateStreaming, and
// registers the service worker after the wasm has started.
func TestBuildSite_AppJSStartsFast(t *testing.T) {
	registerRoutes()
	out := t.TempDir()
	if _, err := buildSite(out, t.TempDir(), "v-appjs", ""); err != nil {
		t.Fatal(err)
	}
	script := read(t, filepath.Join(out, "app.js"))

	for _, want := range []string{
		"self.chatWasmModule\n        .then((module) => WebAssembly.instantiate(module, go.importObject))",
		"((self.chatWasmModule = false), instantiateStreaming(self.chatWasmResponse || fetch(\"/web/app.wasm\"), go.importObject))",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("app.js lacks %s:\n%s", want, wasmLoading(script))
		}
	}
	// Its definition stays, unused.
	if n := strings.Count(script, "fetchWithProgress("); n != 1 {
		t.Errorf("app.js names fetchWithProgress( %d times, want only its definition:\n%s", n, wasmLoading(script))
	}

	if !strings.Contains(script, "\ngoappInitWebAssembly().finally(goappInitServiceWorker);\n") {
		t.Error("app.js does not register the service worker after starting the wasm")
	}
	if n := strings.Count(script, "goappInitServiceWorker()"); n != 1 { // its definition
		t.Errorf("app.js calls goappInitServiceWorker() directly (%d mentions, want 1, the definition)", n)
	}

	index := read(t, filepath.Join(out, "index.html"))
	// The compile worker reads the wasm from the service worker's cache of
	// this version: go-app names it "app-" + version (app-worker.js).
	compile := `<script data-cache="app-v-appjs" src="/web/wasm-compile.js"></script>`
	if !strings.Contains(index, compile) {
		t.Errorf("index.html does not start the wasm's compile with %s", compile)
	}
	if worker := read(t, filepath.Join(out, "app-worker.js")); !strings.Contains(worker, `const cacheName = "app-" + "v-appjs";`) {
		t.Error(`app-worker.js does not name its cache "app-" + version, which the page gives the compile worker`)
	}
	if strings.Contains(index, `rel="preload"`) {
		t.Error("index.html preloads something: the worker's fetch of the wasm would not take it and download it again")
	}
	// go-app writes an element's attributes in map order: find the label
	// by its id, whatever comes before or after it.
	label := loaderLabel.FindStringSubmatch(index)
	if label == nil || label[1] != "Loading chat…" {
		t.Errorf("the loader says %q, want \"Loading chat…\" alone: a progress would stay at 0%%, app.js no longer counts it", label)
	}
}

// TestEditAppJS_FailsWhenGoAppChanges: an app.js without the code an edit
// replaces, or with it twice, stops the build instead of shipping go-app's
// slow start.
func TestEditAppJS_FailsWhenGoAppChanges(t *testing.T) {
	var whole strings.Builder
	for _, edit := range appJSEdits {
		whole.WriteString(edit.old)
	}
	if _, err := editAppJS(whole.String()); err != nil {
		t.Fatalf("an app.js with every edit's code once: %v", err)
	}
	for _, edit := range appJSEdits {
		missing := strings.Replace(whole.String(), edit.old, "", 1)
		if _, err := editAppJS(missing); err == nil || !strings.Contains(err.Error(), edit.why) {
			t.Errorf("without the code to %s: err = %v", edit.why, err)
		}
		twice := whole.String() + edit.old
		if _, err := editAppJS(twice); err == nil || !strings.Contains(err.Error(), edit.why) {
			t.Errorf("with the code to %s twice: err = %v", edit.why, err)
		}
	}
}

// wasmLoading is the part of app.js that loads the wasm, for failure messages.
func wasmLoading(script string) string {
	i := strings.Index(script, "async function goappInitWebAssembly")
	if i < 0 {
		return script
	}
	return script[i:min(len(script), i+1500)]
}

// loaderLabel is go-app's loader label in index.html, and its text.
var loaderLabel = regexp.MustCompile(`<p [^>]*id="app-wasm-loader-label"[^>]*>([^<]*)</p>`)
