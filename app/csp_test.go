//go:build !wasm

package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chatpwa/chat/app/ui"
)

// policyOf returns the Content-Security-Policy <meta> of a generated page
// and fails unless it is the first element after the charset.
func policyOf(t *testing.T, index string) string {
	t.Helper()
	m := regexp.MustCompile(`<head>\s*<meta charset="UTF-8">\s*<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(index)
	if m == nil {
		t.Fatalf("index.html has no Content-Security-Policy <meta> right after its charset:\n%.600s", index)
	}
	return m[1]
}

func directives(policy string) map[string]string {
	out := map[string]string{}
	for _, d := range strings.Split(policy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		out[name] = value
	}
	return out
}

// TestBuildSite_ContentSecurityPolicy: a static host sends no CSP header, so
// the page carries one as strict as the relay's, with connections limited to
// the deployer's relays (or the page's own origin).
func TestBuildSite_ContentSecurityPolicy(t *testing.T) {
	registerRoutes()
	t.Setenv(ui.RelaysEnv, "")
	for _, tc := range []struct {
		relays, connect string
	}{
		{"", "'self' wss:"},
		{"wss://a.test/ws, ws://b.test:8080/chat", "'self' wss://a.test https://a.test ws://b.test:8080 http://b.test:8080 wss:"},
	} {
		out := t.TempDir()
		if _, err := buildSite(out, t.TempDir(), "v-csp", tc.relays); err != nil {
			t.Fatal(err)
		}
		d := directives(policyOf(t, read(t, filepath.Join(out, "index.html"))))
		want := map[string]string{
			"default-src": "'self'",
			"script-src":  "'self' 'wasm-unsafe-eval'",
			"connect-src": tc.connect,
			"object-src":  "'none'",
			"base-uri":    "'none'",
		}
		for name, value := range want {
			if d[name] != value {
				t.Errorf("relays %q: %s is %q, want %q", tc.relays, name, d[name], value)
			}
		}
		for _, ignored := range []string{"frame-ancestors", "report-uri", "sandbox"} {
			if _, ok := d[ignored]; ok {
				t.Errorf("%s in a <meta> is ignored with a console error", ignored)
			}
		}
	}
}

// TestBuildSite_ScriptsAreFiles: script-src has no 'unsafe-inline', so the
// page must not carry an inline script or event handler attribute.
func TestBuildSite_ScriptsAreFiles(t *testing.T) {
	registerRoutes()
	out := t.TempDir()
	if _, err := buildSite(out, t.TempDir(), "v-scripts", ""); err != nil {
		t.Fatal(err)
	}
	index := read(t, filepath.Join(out, "index.html"))
	for _, script := range regexp.MustCompile(`<script[^>]*>`).FindAllString(index, -1) {
		if !strings.Contains(script, "src=") {
			t.Errorf("inline script %s", script)
		}
	}
	if handler := regexp.MustCompile(`\son[a-z]+=`).FindString(index); handler != "" {
		t.Errorf("inline event handler%s", handler)
	}
}

func TestContentSecurityPolicy_RefusesHostsItCannotName(t *testing.T) {
	if _, err := contentSecurityPolicy([]string{"wss://a;b.test/ws"}); err == nil {
		t.Fatal("a host with ';' would end the directive")
	}
}

// TestBuildSite_WorkerKeepsNotificationTag: go-app's service worker drops
// the tag, so notifications of a room stacked instead of replacing each
// other; ours passes it on.
func TestBuildSite_WorkerKeepsNotificationTag(t *testing.T) {
	registerRoutes()
	out := t.TempDir()
	if _, err := buildSite(out, t.TempDir(), "v-worker", ""); err != nil {
		t.Fatal(err)
	}
	worker := read(t, filepath.Join(out, "app-worker.js"))
	for _, want := range []string{"tag: notification.tag,", "renotify: !!(notification.tag && notification.renotify),", `"app-" + "v-worker"`} {
		if !strings.Contains(worker, want) {
			t.Errorf("app-worker.js lacks %s", want)
		}
	}
}
