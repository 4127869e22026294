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

// appWorkerJS is go-app's service worker with the options it drops passed
// on: tag and renotify (one notification per room, and the replacement
// alerts again), lang, silent and requireInteraction. It fails when go-app's
// worker no longer has the code it patches.
func appWorkerJS() (string, error) {
	worker := app.DefaultAppWorkerJS
	if strings.Count(worker, showNotificationOptions) != 1 {
		return "", errors.New("site: go-app's app-worker.js changed: cannot pass the notification tag; see app/worker.go")
	}
	return strings.Replace(worker, showNotificationOptions, showNotificationOptions+
		"    tag: notification.tag,\n"+
		"    renotify: !!(notification.tag && notification.renotify),\n"+
		"    lang: notification.lang,\n"+
		"    silent: !!notification.silent,\n"+
		"    requireInteraction: !!notification.requireInteraction,\n", 1), nil
}
