//go:build !js

package e2e

import (
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestStart_CachedFilesSkipTheWorkersFetchHandler: once the service worker
// is installed, the page, its scripts, stylesheets and the wasm come from
// the worker's cache through its static routes (app/worker.go), which the
// browser follows itself, not through a fetch event that waits for the
// worker's thread (go-app's handler). DevTools says which: a response
// with serviceWorkerRouterInfo.matchedSourceType "cache". (The wasm is
// fetched by web/wasm-compile.js's worker, whose requests the page's
// DevTools session does not see; that script stands in for it.)
func TestStart_CachedFilesSkipTheWorkersFetchHandler(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := roomURL(relay.URL(), "routes", "")
	p := newPerson(t, "router")
	p.open(room)
	p.waitServiceWorkerReady()

	var (
		mu     sync.Mutex
		routed = map[string]string{} // path → matched source, "" for none
	)
	received := chromedp.Events(p.ctx, network.ResponseReceived)
	go func() {
		for ev, err := range received {
			if err != nil {
				return
			}
			u, err := url.Parse(ev.Response.URL)
			if err != nil {
				continue
			}
			source := ""
			if info := ev.Response.ServiceWorkerRouterInfo; info != nil {
				source = string(info.MatchedSourceType)
			}
			mu.Lock()
			routed[u.Path] = source
			mu.Unlock()
		}
	}()
	p.do("open "+room+" again", chromedp.Navigate("about:blank"), chromedp.Navigate(room))
	p.waitOnline()

	mu.Lock()
	defer mu.Unlock()
	for _, path := range []string{"/", "/app.js", "/wasm_exec.js", "/app.css", "/web/app.css", "/web/wasm-compile.js"} {
		if source, seen := routed[path]; !seen || source != string(network.ServiceWorkerRouterSourceCache) {
			paths := make([]string, 0, len(routed))
			for p := range routed {
				paths = append(paths, p)
			}
			slices.Sort(paths)
			t.Errorf("%s came from router source %q (seen: %v); want %q, the worker's cache without its fetch handler (responses seen: %v)",
				path, source, seen, network.ServiceWorkerRouterSourceCache, paths)
		}
	}
}
