//go:build !js

package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// wasmLoad is how the page got app.wasm: whether the page itself streamed
// it into instantiateStreaming (speedProbeJS: the Response) and fetched it,
// and what the
// worker of web/wasm-compile.js says of the Response it compiled from
// (self.chatWasmFetch) and of its requests for the file.
type wasmLoad struct {
	PageStreamed bool `json:"pageStreamed"`
	Page         struct {
		Type        string `json:"type"`
		ContentType string `json:"contentType"`
		Encoding    string `json:"encoding"`
	} `json:"page"`
	PageRequests int  `json:"pageRequests"`
	FromWorker   bool `json:"fromWorker"`
	Worker       struct {
		Source      string `json:"source"` // "cache": this version's; "network": fetched
		Type        string `json:"type"`
		ContentType string `json:"contentType"`
		Encoding    string `json:"encoding"`
		Requests    int    `json:"requests"`
	} `json:"worker"`
	Controlled bool `json:"controlled"` // by the service worker
}

const wasmLoadJS = `(async () => ({
	pageStreamed: window.__speed.wasmResponse !== undefined,
	page: window.__speed.wasmResponse || {},
	pageRequests: performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname === '/web/app.wasm').length,
	fromWorker: !!self.chatWasmModule && (await self.chatWasmModule) instanceof WebAssembly.Module,
	worker: self.chatWasmFetch || {},
	controlled: !!navigator.serviceWorker.controller,
}))()`

// TestStart_WasmCompilesInAWorkerFromTheServedResponse: from the service
// worker's cache the page's main thread does not compile the wasm: the
// worker that web/wasm-compile.js starts from the page's <head> streams it
// from the Response in this version's cache, without a request (so never
// through the service worker's fetch handler, which must start first once
// the service worker went idle), and the page instantiates that module. On
// a first visit the page streams the Response that script fetched (type
// "basic": Chrome's code cache applies only to such and to the cache's).
// Either way the file is application/wasm compressed with brotli, and the
// page requests it once at most.
func TestStart_WasmCompilesInAWorkerFromTheServedResponse(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := roomURL(relay.URL(), "stream", "")
	p := newPerson(t, "streamer")
	installStartProbe(p)

	open := func() wasmLoad {
		t.Helper()
		p.do("open "+room, chromedp.Navigate("about:blank"), chromedp.Navigate(room))
		p.poll("the app to run", waitTimeout, `() => window.__speed && window.__speed.running !== undefined`)
		var load wasmLoad
		p.eval(wasmLoadJS, &load)
		return load
	}

	load := open()
	r := load.Page
	if !load.PageStreamed || load.FromWorker || r.Type != "basic" || r.ContentType != "application/wasm" || r.Encoding != "br" || load.PageRequests != 1 {
		t.Errorf("first visit: the page streamed the wasm: %v (a %q Response, Content-Type %q, Content-Encoding %q, in %d requests), "+
			"instantiated a worker's module: %v; want the page to stream a \"basic\" one (from fetch), application/wasm, br, 1 request",
			load.PageStreamed, r.Type, r.ContentType, r.Encoding, load.PageRequests, load.FromWorker)
	}

	p.poll("the service worker to control the page", waitTimeout, `() => navigator.serviceWorker.controller !== null`)
	load = open()
	if load.PageStreamed || load.PageRequests != 0 || !load.FromWorker || !load.Controlled {
		t.Errorf("from the service worker: the page streamed the wasm itself: %v, requested it %d times, instantiated the worker's module: %v, "+
			"service worker in control: %v; want the worker's module only", load.PageStreamed, load.PageRequests, load.FromWorker, load.Controlled)
	}
	w := load.Worker
	if w.Source != "cache" || w.Requests != 0 || w.Type != "basic" || w.ContentType != "application/wasm" || w.Encoding != "br" {
		t.Errorf("from the service worker: the worker compiled the wasm from %q (%d requests), a %q Response, Content-Type %q, Content-Encoding %q; "+
			"want it from this version's cache with no request, a \"basic\" one, application/wasm, br",
			w.Source, w.Requests, w.Type, w.ContentType, w.Encoding)
	}
}
