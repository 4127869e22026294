//go:build !js

package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// wasmLoad is how the page got app.wasm: the Response app.js handed to
// WebAssembly.instantiateStreaming (speedProbeJS) and how many times the
// page requested the file (resource timing).
type wasmLoad struct {
	Response struct {
		Type        string `json:"type"`
		ContentType string `json:"contentType"`
		Encoding    string `json:"encoding"`
	} `json:"response"`
	Requests   int  `json:"requests"`
	Controlled bool `json:"controlled"` // by the service worker
}

const wasmLoadJS = `(() => ({
	response: window.__speed.wasmResponse,
	requests: performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname === '/web/app.wasm').length,
	controlled: !!navigator.serviceWorker.controller,
}))()`

// TestStart_WasmStreamsFromTheServedResponse: the wasm compiles from the
// Response fetch returns (type "basic"), not from one app.js builds (type
// "default"), since only that one streams without a JavaScript copy and
// can use Chrome's code cache; it arrives as application/wasm compressed
// with brotli, on a first visit (the preload and app.js's fetch make one
// request) and from the service worker's cache.
func TestStart_WasmStreamsFromTheServedResponse(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	url := roomURL(relay.URL(), "stream", "")
	p := newPerson(t, "streamer")
	installStartProbe(p)

	check := func(visit string, fromWorker bool) {
		t.Helper()
		p.do("open "+url, chromedp.Navigate("about:blank"), chromedp.Navigate(url))
		p.poll("the app to run", waitTimeout, `() => window.__speed && window.__speed.wasmResponse !== undefined && window.__speed.running !== undefined`)
		var load wasmLoad
		p.eval(wasmLoadJS, &load)
		r := load.Response
		if r.Type != "basic" || r.ContentType != "application/wasm" || r.Encoding != "br" || load.Requests != 1 || (fromWorker && !load.Controlled) {
			t.Errorf("%s: the wasm came as a %q Response, Content-Type %q, Content-Encoding %q, in %d requests, service worker in control: %v; "+
				"want a \"basic\" one (from fetch), application/wasm, br, 1 request",
				visit, r.Type, r.ContentType, r.Encoding, load.Requests, load.Controlled)
		}
	}
	check("first visit", false)
	p.poll("the service worker to control the page", waitTimeout, `() => navigator.serviceWorker.controller !== null`)
	check("from the service worker", true)
}
