//go:build !wasm

package main

import (
	"errors"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// showNotificationOptions is where go-app's service worker
// (app.DefaultAppWorkerJS) builds the options of a notification it shows: it
// passes body, icon, badge and actions only, so a tag, which makes the next
// notification of a room replace the last, is lost whenever a service worker
// is active (always, once the PWA is installed or cached).
const showNotificationOptions = "  await registration.showNotification(title, {\n    body: notification.body,\n"

// workerStaticRoutes has the browser answer every precached file from this
// version's cache itself (the Static Routing API, Chrome 123+), instead of
// dispatching a fetch event to go-app's handler for each one. Through the
// handler, a start from the cache waited for the worker's thread: on this
// machine ~40 ms before the stylesheets, the scripts and the wasm's
// response arrived, longer on a busy machine, and the worker had to start
// first (a start after it went idle). A file not in the cache yet (the
// precache still running, or a new version's) goes to the network, as
// the handler did. cacheName and resourcesToCache are go-app's.
const workerStaticRoutes = `
// -----------------------------------------------------------------------------
// Static routes (app/worker.go)
// -----------------------------------------------------------------------------
self.addEventListener("install", (event) => {
  if (!event.addRoutes) {
    return;
  }
  const exactly = (path) => path.replace(/[\\:*?+(){}]/g, "\\$&");
  event.waitUntil(
    event
      .addRoutes({
        condition: {
          or: resourcesToCache.map((path) => ({
            urlPattern: new URLPattern({ pathname: exactly(path), baseURL: self.location.origin }),
          })),
        },
        source: { cacheName: cacheName },
      })
      .catch((err) => console.error("static routes:", err))
  );
});
`

// appWorkerJS is go-app's service worker with the options it drops passed
// on: tag and renotify (one notification per room, and the replacement
// alerts again), lang, silent and requireInteraction, and with
// workerStaticRoutes. It fails when go-app's worker no longer has the code
// it patches.
func appWorkerJS() (string, error) {
	worker := app.DefaultAppWorkerJS
	if strings.Count(worker, showNotificationOptions) != 1 {
		return "", errors.New("site: go-app's app-worker.js changed: cannot pass the notification tag; see app/worker.go")
	}
	for _, name := range []string{"const cacheName = ", "const resourcesToCache = "} {
		if strings.Count(worker, name) != 1 {
			return "", errors.New("site: go-app's app-worker.js changed: no " + name + "for the static routes; see app/worker.go")
		}
	}
	return strings.Replace(worker, showNotificationOptions, showNotificationOptions+
		"    tag: notification.tag,\n"+
		"    renotify: !!(notification.tag && notification.renotify),\n"+
		"    lang: notification.lang,\n"+
		"    silent: !!notification.silent,\n"+
		"    requireInteraction: !!notification.requireInteraction,\n", 1) + workerStaticRoutes, nil
}
