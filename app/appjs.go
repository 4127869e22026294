//go:build !wasm

package main

import (
	"fmt"
	"os"
	"strings"
)

// wasmURL is where the page loads the app from: web/wasm-compile.js compiles
// it (else go-app's app.js) and the service worker precaches it.
const wasmURL = "/web/app.wasm"

// appJSEdit replaces one piece of go-app's generated app.js.
type appJSEdit struct {
	why      string
	old, new string
}

// appJSEdits are what this app changes in go-app's app.js (v10.1.11 has no
// template for it), for a faster start:
//
//   - From the service worker's cache the wasm comes compiled from a worker
//     (web/wasm-compile.js, started by the page's <head>, newHandler):
//     compiling in the page took ~200 ms of its main thread while the 10 MB
//     streamed in, and only began once the deferred scripts ran. app.js
//     instantiates the posted module. On a first visit it streams the
//     Response that script fetched (else its own fetch's) as before:
//     go-app wraps that Response in new Response(new ReadableStream(…)) to
//     count the bytes for its progress label, a JavaScript call per chunk
//     on the main thread, and Chrome keeps compiled WebAssembly in its code
//     cache only for a Response from fetch or the service worker's cache.
//     The loader shows no percentage (newHandler's LoadingLabel has none).
//   - The service worker is registered once the app runs, not before the
//     wasm is fetched: on a first visit its installation downloads and
//     stores every file of the site (the wasm included) while the page
//     downloads and compiles the wasm and Go starts, and both compete for
//     the network and the CPU. Registered later it finds them in the HTTP
//     cache. A page that fails to load the wasm still registers it.
//
// and, for a faster first keypress:
//
//   - Once the first room is online, the path of a key through Go runs once
//     (chatWarmComposer). The first key in the box ran that code for the
//     first time: go-app's keyboard and input events into Go, the
//     composer's and the shell's keydown handlers, Composer.onInput, the
//     draft action and ChatApp.onDraft, while V8 compiled each wasm function
//     on its first call (BENCHMARKS.md, "The flood's first key: the
//     composer's first keypress warmed"). After the frame that shows the
//     room online (#conn-state's data-state, which the end-to-end tests read
//     too), with the box still empty, it sends the box an untrusted keydown
//     of no key ("Unidentified", which neither handler acts on) and an
//     input event. The empty draft sends no typing signal
//     (chat.Client.DraftChanged says nothing until something was typed) and
//     nothing re-renders. A box with text means someone typed already:
//     nothing is left to warm. In JavaScript: it adds nothing to app.wasm.
//   - From a keydown to the frame after it, self.chatKeyAwaitsFrame is true
//     (chatKeyFrame): a session holds its next view meanwhile
//     (app/ui/key-frame.go), so that a render of new messages does not run
//     between the key and the frame that shows it.
//
// and, for the keyboard:
//
//   - The message list is one stop for Tab, with arrows between its rows
//     (rowFocusJS, app/appjs_row_focus.go).
var appJSEdits = []appJSEdit{
	{
		why: "take the wasm compiled by the worker, else stream it from fetch's Response",
		old: "instantiateStreaming(\n      fetchWithProgress(\"" + wasmURL + "\", showProgress),\n      go.importObject\n    )",
		new: "(self.chatWasmModule\n" +
			"      ? self.chatWasmModule\n" +
			"        .then((module) => WebAssembly.instantiate(module, go.importObject))\n" +
			"        .then((instance) => ({ instance }))\n" +
			"        .catch(() => instantiateStreaming(fetch(\"" + wasmURL + "\"), go.importObject))\n" +
			"      : ((self.chatWasmModule = false), instantiateStreaming(self.chatWasmResponse || fetch(\"" + wasmURL + "\"), go.importObject)))",
	},
	{
		why: "register the service worker once the app runs",
		old: "goappInitServiceWorker();\ngoappWatchForUpdate();\ngoappWatchForInstallable();\ngoappInitWebAssembly();\n",
		new: "goappWatchForUpdate();\ngoappWatchForInstallable();\ngoappInitWebAssembly().finally(goappInitServiceWorker);\n",
	},
	{
		why: "warm the composer's key path once the room is online, say when a key awaits its frame and make the message list one stop for Tab",
		old: "async function goappInitWebAssembly() {\n",
		new: warmComposerJS + keyFrameJS + rowFocusJS + "async function goappInitWebAssembly() {\n",
	},
}

// warmComposerJS is chatWarmComposer (appJSEdits). A MutationObserver, from
// app.js's start until the room is online, sees each of the page's changes
// (cheap: a query by id); the composer exists by then, drawn by Go with its
// handlers (the page is not pre-rendered).
const warmComposerJS = `function chatWarmComposer() {
  if (!document.querySelector('#conn-state[data-state="online"]')) {
    return;
  }
  chatComposerWarmer.disconnect();
  requestAnimationFrame(() => setTimeout(() => {
    const box = document.getElementById("composer");
    if (!box || box.value !== "") {
      return;
    }
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Unidentified", bubbles: true, cancelable: true }));
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }));
}
const chatComposerWarmer = new MutationObserver(chatWarmComposer);
chatComposerWarmer.observe(document.body, { subtree: true, childList: true, attributeFilter: ["data-state"] });

`

// keyFrameJS is chatKeyFrame (appJSEdits). Its listener is the page's
// first (the window's, capturing), so the flag is up before go-app's
// handlers take the key into Go. It comes down in a task after the frame
// that follows the key's (requestAnimationFrame runs before that frame is
// drawn), once every key typed meanwhile has had its frame.
const keyFrameJS = `let chatKeysAwaitingFrame = 0;
addEventListener("keydown", () => {
  chatKeysAwaitingFrame++;
  self.chatKeyAwaitsFrame = true;
  requestAnimationFrame(() => setTimeout(() => {
    self.chatKeyAwaitsFrame = --chatKeysAwaitingFrame > 0;
  }));
}, true);

`

// patchAppJS applies appJSEdits to the app.js at path. It fails when go-app's
// app.js no longer holds, exactly once, the code an edit replaces: a new
// go-app must be looked at, not shipped with the slow start back.
func patchAppJS(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("site: app.js: %w", err)
	}
	script, err := editAppJS(string(raw))
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return fmt.Errorf("site: app.js: %w", err)
	}
	return nil
}

// editAppJS returns script with appJSEdits applied.
func editAppJS(script string) (string, error) {
	for _, edit := range appJSEdits {
		if n := strings.Count(script, edit.old); n != 1 {
			return "", fmt.Errorf("site: go-app's app.js changed: cannot %s (%q found %d times, want 1); see app/appjs.go",
				edit.why, edit.old, n)
		}
		script = strings.Replace(script, edit.old, edit.new, 1)
	}
	return script, nil
}
