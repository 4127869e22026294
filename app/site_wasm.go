//go:build wasm

package main

// generateSite is server-only work; in the browser app.RunWhenOnBrowser never
// returns, and keeping the generator out of the wasm keeps net/http server
// code out of the binary.
func generateSite() {}
