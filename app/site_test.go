//go:build !wasm

package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatpwa/chat/app/chat"
	"github.com/chatpwa/chat/app/ui"
)

func TestBuildSite(t *testing.T) {
	registerRoutes()
	out := t.TempDir()
	web := t.TempDir()
	for _, name := range []string{"app.css", "icon-192.png", "icon-512.png", "icon-maskable-512.png", "icon.svg"} {
		if err := os.WriteFile(filepath.Join(web, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(out, "web"), 0o755); err != nil {
		t.Fatal(err)
	}
	fakeWasm := []byte(strings.Repeat("wasm", 1000))
	if err := os.WriteFile(filepath.Join(out, "web", "app.wasm"), fakeWasm, 0o644); err != nil {
		t.Fatal(err)
	}

	sizes, err := buildSite(out, web, "v-test-1", "")
	if err != nil {
		t.Fatal(err)
	}
	if sizes.Raw != int64(len(fakeWasm)) || sizes.Brotli <= 0 || sizes.Gzip <= 0 {
		t.Errorf("sizes = %+v", sizes)
	}
	for _, name := range []string{"index.html", "app.js", "app-worker.js", "manifest.webmanifest", "wasm_exec.js",
		"web/app.css", "web/icon-192.png", "web/app.wasm.br", "web/app.wasm.gz"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}

	worker := read(t, filepath.Join(out, "app-worker.js"))
	if !strings.Contains(worker, `"app-" + "v-test-1"`) {
		t.Error("the service worker does not carry the version")
	}
	// Everything the app needs offline is precached; the compressed siblings
	// are not (the host picks them by Accept-Encoding).
	for _, res := range []string{`"/"`, `"/web/app.wasm"`, `"/web/app.css"`, `"/web/icon-192.png"`, `"/web/icon-512.png"`,
		`"/web/icon-maskable-512.png"`, `"/web/icon.svg"`, `"/manifest.webmanifest"`} {
		if !strings.Contains(worker, res) {
			t.Errorf("the service worker does not precache %s", res)
		}
	}
	if strings.Contains(worker, "app.wasm.br") {
		t.Error("the service worker precaches app.wasm.br")
	}

	var manifest struct {
		Name     string
		StartURL string `json:"start_url"`
		Display  string
		Icons    []struct{ Src, Sizes, Purpose string }
	}
	if err := json.Unmarshal([]byte(read(t, filepath.Join(out, "manifest.webmanifest"))), &manifest); err != nil {
		t.Fatal(err)
	}
	if manifest.Name == "" || manifest.StartURL != "/" || manifest.Display != "standalone" {
		t.Errorf("manifest is not installable: %+v", manifest)
	}
	icons := map[string]string{}
	for _, icon := range manifest.Icons {
		if strings.HasPrefix(icon.Src, "http") {
			t.Errorf("icon %s is remote: the app must install and open offline", icon.Src)
		}
		icons[icon.Sizes+" "+icon.Purpose] = icon.Src
	}
	for _, want := range []string{"192x192 ", "512x512 ", "512x512 maskable"} {
		if icons[want] == "" {
			t.Errorf("manifest has no %q icon: %+v", want, manifest.Icons)
		}
	}

	// The chat is not pre-rendered: the body is go-app's empty mount point
	// and its loader (dropPreRender).
	index := read(t, filepath.Join(out, "index.html"))
	body := index[strings.Index(index, "<body>"):]
	next, ok := strings.CutPrefix(body, "<body>\n    "+mountPoint+"\n    <aside ")
	if !ok || !strings.Contains(next[:strings.Index(next, ">")], `id="app-wasm-loader"`) || strings.Contains(body, `id="composer"`) {
		t.Errorf("index.html's body is not go-app's empty mount point and its loader:\n%.400s", body)
	}
	// Without JavaScript the loader says why nothing comes.
	if loader := body[:strings.Index(body, "</aside>")]; !strings.Contains(loader, "<noscript>") {
		t.Errorf("index.html's loader has no <noscript> text:\n%s", body)
	}
}

func TestBuildSite_RequiresVersion(t *testing.T) {
	if _, err := buildSite(t.TempDir(), t.TempDir(), "", ""); err == nil {
		t.Fatal("an empty version was accepted")
	}
}

// TestBuildSite_RelaysReachTheApp: the deployer's -relays list travels in
// app.js's environment, where the wasm reads it with app.Getenv.
func TestBuildSite_RelaysReachTheApp(t *testing.T) {
	registerRoutes()
	// go-app also sets the generator's own environment from Handler.Env.
	t.Setenv(ui.RelaysEnv, "")
	out := t.TempDir()
	if _, err := buildSite(out, t.TempDir(), "v-relays", "wss://a.test/ws, wss://b.test/ws wss://a.test/ws"); err != nil {
		t.Fatal(err)
	}
	appJS := read(t, filepath.Join(out, "app.js"))
	if want := `"` + ui.RelaysEnv + `":"wss://a.test/ws,wss://b.test/ws"`; !strings.Contains(appJS, want) {
		t.Errorf("app.js does not carry %s", want)
	}

	plain := t.TempDir()
	if _, err := buildSite(plain, t.TempDir(), "v-plain", ""); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(read(t, filepath.Join(plain, "app.js")), ui.RelaysEnv) {
		t.Errorf("without -relays app.js names %s", ui.RelaysEnv)
	}

	_, err := buildSite(t.TempDir(), t.TempDir(), "v-bad", "wss://a.test/ws,https://b.test/ws")
	if !errors.Is(err, chat.ErrBadRelay) || !strings.Contains(err.Error(), "https://b.test/ws") {
		t.Fatalf("a list with an http URL: %v", err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
