//go:build !js

package ui

import "time"

// newTimeFormat outside a browser (tests, the page rendered by the site
// generator) uses Go's own zone rules.
func newTimeFormat() timeFormat { return goTimeFormat{loc: time.Local} }
