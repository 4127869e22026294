package relay

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// builtSite writes a miniature of the built PWA (dist/) into a directory.
func builtSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"index.html":           "<!doctype html><title>chat</title>",
		"app.js":               "// go-app loader",
		"wasm_exec.js":         "// wasm_exec",
		"app-worker.js":        "// service worker",
		"manifest.webmanifest": `{"name":"chat"}`,
		"app.css":              "body{}",
		"web/app.wasm":         "\x00asm plain",
		"web/app.wasm.br":      "brotli bytes",
		"web/app.wasm.gz":      "gzip bytes",
		"web/icon.png":         "\x89PNG",
	} {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestServer_Web_ServesBuiltApp(t *testing.T) {
	tr := startRelay(t, Config{Web: builtSite(t)})
	for _, tc := range []struct {
		path, acceptEncoding string
		wantStatus           int
		wantType             string
		wantEncoding         string
		wantBody             string
		wantVary             bool
	}{
		{"/", "", 200, "text/html; charset=utf-8", "", "<!doctype html><title>chat</title>", false},
		{"/room/lobby", "", 200, "text/html; charset=utf-8", "", "<!doctype html><title>chat</title>", false},
		{"/app-worker.js", "", 200, "text/javascript; charset=utf-8", "", "// service worker", false},
		{"/manifest.webmanifest", "", 200, "application/manifest+json", "", `{"name":"chat"}`, false},
		{"/app.css", "", 200, "text/css; charset=utf-8", "", "body{}", false},
		{"/web/icon.png", "", 200, "image/png", "", "\x89PNG", false},
		{"/web/app.wasm", "", 200, "application/wasm", "", "\x00asm plain", true},
		{"/web/app.wasm", "gzip, deflate, br", 200, "application/wasm", "br", "brotli bytes", true},
		{"/web/app.wasm", "gzip", 200, "application/wasm", "gzip", "gzip bytes", true},
		{"/web/app.wasm", "br;q=0, gzip;q=0.5", 200, "application/wasm", "gzip", "gzip bytes", true},
		{"/web/app.wasm", "identity", 200, "application/wasm", "", "\x00asm plain", true},
		{"/missing.js", "", 404, "", "", "", false},
		{"/web/missing.wasm", "br", 404, "", "", "", false},
	} {
		t.Run(tc.path+" "+tc.acceptEncoding, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, tr.http.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Set explicitly: the transport would otherwise ask for gzip itself.
			req.Header.Set("Accept-Encoding", tc.acceptEncoding)
			if tc.acceptEncoding == "" {
				req.Header.Set("Accept-Encoding", "identity")
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			h := resp.Header
			if h.Get("Content-Security-Policy") != ContentSecurityPolicy {
				t.Errorf("CSP = %q", h.Get("Content-Security-Policy"))
			}
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if tc.wantStatus != 200 {
				return
			}
			if string(body) != tc.wantBody || h.Get("Content-Type") != tc.wantType || h.Get("Content-Encoding") != tc.wantEncoding {
				t.Fatalf("got %q type %q encoding %q", body, h.Get("Content-Type"), h.Get("Content-Encoding"))
			}
			if h.Get("Cache-Control") != "no-cache" {
				t.Errorf("Cache-Control = %q", h.Get("Cache-Control"))
			}
			if got := h.Get("Vary") == "Accept-Encoding"; got != tc.wantVary {
				t.Errorf("Vary = %q", h.Get("Vary"))
			}
		})
	}
}

// TestServer_Web_RelayRoutesWin: /ws, /healthz and /metrics are the relay's
// even when the site has files with those names.
func TestServer_Web_RelayRoutesWin(t *testing.T) {
	dir := builtSite(t)
	if err := os.WriteFile(filepath.Join(dir, "healthz"), []byte("site"), 0o644); err != nil {
		t.Fatal(err)
	}
	tr := startRelay(t, Config{Web: dir})
	resp, err := http.Get(tr.http.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok\n" {
		t.Fatalf("/healthz = %q", body)
	}
}

func TestServer_Web_NotServedWithoutDir(t *testing.T) {
	tr := startRelay(t, Config{})
	resp, err := http.Get(tr.http.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, want 404", resp.StatusCode)
	}
}

func TestAcceptsEncoding(t *testing.T) {
	for _, tc := range []struct {
		header, coding string
		want           bool
	}{
		{"gzip, br", "br", true},
		{"gzip", "br", false},
		{"BR", "br", true},
		{"br;q=0", "br", false},
		{"br; q=0.1", "br", true},
		{"*", "gzip", true},
		{"*, gzip;q=0", "gzip", false},
		{"", "gzip", false},
	} {
		if got := acceptsEncoding(tc.header, tc.coding); got != tc.want {
			t.Errorf("acceptsEncoding(%q, %q) = %v", tc.header, tc.coding, got)
		}
	}
}
