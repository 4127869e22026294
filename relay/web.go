package relay

import (
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
)

// ContentSecurityPolicy is sent with every response of the web handler. A
// go-app v10 PWA works under it: its pages have no inline scripts, its wasm
// needs 'wasm-unsafe-eval', go-app sets inline styles, and connect-src is
// wide because the app may talk to a relay on another host.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss: http: https:; " +
	"worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"

// contentTypes overrides mime.TypeByExtension for the types a PWA depends
// on, so that they do not vary with the host's mime database.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".wasm":        "application/wasm",
	".webmanifest": "application/manifest+json",
	".json":        "application/json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
}

// precompressed lists the sibling files the web handler looks for, in order
// of preference, with their Accept-Encoding token.
var precompressed = []struct{ encoding, suffix string }{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// webHandler serves the built PWA from a directory.
type webHandler struct {
	root fs.FS
}

func newWebHandler(dir string) http.Handler {
	return webHandler{root: os.DirFS(dir)}
}

// ServeHTTP serves the file at the request path: "/" and directories serve
// their index.html, a missing path without extension serves /index.html (the
// app routes it in the browser), a precompressed X.br or X.gz is served in
// place of X when the client accepts it.
func (h webHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	// Invite links carry tokens in their fragment and the app may put them in
	// URLs: no page linked from the app may learn them.
	hdr.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name, ok := h.resolve(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	// File names are not content-hashed (web/app.wasm keeps its name across
	// deploys), so every response must be revalidated; the service worker
	// does the offline caching. HTML, app-worker.js and the manifest need it
	// most: a stale one pins the old app.
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Content-Type", contentType(name))

	served := name
	for _, p := range precompressed {
		if !acceptsEncoding(r.Header.Get("Accept-Encoding"), p.encoding) {
			continue
		}
		if isFile(h.root, name+p.suffix) {
			served = name + p.suffix
			hdr.Set("Content-Encoding", p.encoding)
			break
		}
	}
	// Only a file with precompressed siblings has several representations.
	if served != name || hasPrecompressed(h.root, name) {
		hdr.Add("Vary", "Accept-Encoding")
	}

	f, err := h.root.Open(served)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	http.ServeContent(w, r, name, fi.ModTime(), rs)
}

// resolve maps a URL path to a file name in root.
func (h webHandler) resolve(urlPath string) (string, bool) {
	name := strings.TrimPrefix(path.Clean("/"+urlPath), "/")
	if name == "" {
		name = "index.html"
	}
	if !fs.ValidPath(name) {
		return "", false
	}
	if fi, err := fs.Stat(h.root, name); err == nil {
		if !fi.IsDir() {
			return name, true
		}
		index := path.Join(name, "index.html")
		return index, isFile(h.root, index)
	}
	if path.Ext(name) == "" && isFile(h.root, "index.html") {
		return "index.html", true
	}
	return "", false
}

func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

func isFile(root fs.FS, name string) bool {
	fi, err := fs.Stat(root, name)
	return err == nil && fi.Mode().IsRegular()
}

func hasPrecompressed(root fs.FS, name string) bool {
	for _, p := range precompressed {
		if isFile(root, name+p.suffix) {
			return true
		}
	}
	return false
}

// acceptsEncoding reports whether an Accept-Encoding header value allows
// coding, explicitly or through "*", with a non-zero quality.
func acceptsEncoding(header, coding string) bool {
	accepted := false
	for _, part := range strings.Split(header, ",") {
		token, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(token, coding) && token != "*" {
			continue
		}
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			if parsed, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = parsed
			}
		}
		if strings.EqualFold(token, coding) {
			return q > 0 // an explicit entry overrides "*"
		}
		accepted = q > 0
	}
	return accepted
}
