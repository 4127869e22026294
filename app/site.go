//go:build !wasm

package main

import (
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"io/fs"
	"log"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// Defaults of the generator's flags, relative to the repository root where
// build.sh runs it.
const (
	DefaultOutDir = "dist"
	DefaultWebDir = "web"
)

// generateSite is the native half of the command: it writes the static website
// (index.html, app.js, app-worker.js, manifest, the web/ assets and the
// precompressed wasm) into -out. The wasm itself is built beforehand into
// OUT/web/app.wasm by build.sh.
func generateSite() {
	out := flag.String("out", DefaultOutDir, "directory to write the static website into")
	webDir := flag.String("web", DefaultWebDir, "directory of static assets (icons, css) to copy into OUT/web")
	version := flag.String("version", "", "app version (required): a new value makes installed apps offer an update")
	relays := flag.String("relays", "", "relay URLs the app uses, in order of failover, separated by commas "+
		"(e.g. wss://a.example/ws,wss://b.example/ws); empty: the relay at the page's own origin")
	flag.Parse()

	sizes, err := buildSite(*out, *webDir, *version, *relays)
	if err != nil {
		log.Fatal(err)
	}
	if sizes.Raw > 0 {
		fmt.Printf("app.wasm: %s raw, %s gzip, %s brotli\n",
			formatBytes(sizes.Raw), formatBytes(sizes.Gzip), formatBytes(sizes.Brotli))
	}
}

// buildSite generates the site into out. relays is the deployer's relay
// list (chat.ParseRelays), "" for the page's own origin. When
// out/web/app.wasm exists it is precompressed next to itself and its sizes
// are returned.
func buildSite(out, webDir, version, relays string) (WasmSizes, error) {
	// An empty version would make go-app invent one per start of the
	// generator, so every build would look like an update to installed apps
	// and none could be reproduced.
	if version == "" {
		return WasmSizes{}, errors.New("site: -version is required")
	}
	// Checked here, where the deployer sees the mistake, not in every
	// browser that would silently fall back to the page's origin.
	relayList, err := chat.ParseRelays(relays)
	if err != nil {
		return WasmSizes{}, fmt.Errorf("site: -relays: %w", err)
	}

	assets, err := copyAssets(webDir, filepath.Join(out, "web"))
	if err != nil {
		return WasmSizes{}, err
	}

	wasmPath := filepath.Join(out, "web", "app.wasm")
	info, err := os.Stat(wasmPath)
	hasWasm := err == nil && info.Size() > 0

	policy, err := contentSecurityPolicy(relayList)
	if err != nil {
		return WasmSizes{}, fmt.Errorf("site: -relays: %w", err)
	}
	worker, err := appWorkerJS()
	if err != nil {
		return WasmSizes{}, err
	}
	handler := newHandler(version, assets, relayList)
	handler.ServiceWorkerTemplate = worker
	if err := app.GenerateStaticWebsite(out, handler); err != nil {
		return WasmSizes{}, fmt.Errorf("site: generate: %w", err)
	}
	if err := patchAppJS(filepath.Join(out, "app.js")); err != nil {
		return WasmSizes{}, err
	}
	if err := addPolicy(filepath.Join(out, "index.html"), policy); err != nil {
		return WasmSizes{}, err
	}
	if err := addCompile(filepath.Join(out, "index.html"), "app-"+version); err != nil {
		return WasmSizes{}, err
	}
	if err := dropPreRender(filepath.Join(out, "index.html")); err != nil {
		return WasmSizes{}, err
	}
	if err := replaceInPage(filepath.Join(out, "index.html"), "noscript", "</aside>", noScript+"\n    </aside>"); err != nil {
		return WasmSizes{}, err
	}

	if !hasWasm {
		return WasmSizes{}, nil
	}
	return precompress(wasmPath)
}

// copyAssets copies every file under src into dst and returns their URL paths
// (/web/…) so that the service worker precaches all of them.
func copyAssets(src, dst string) ([]string, error) {
	var urls []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if err := copyFile(p, filepath.Join(dst, rel)); err != nil {
			return err
		}
		urls = append(urls, path.Join("/web", filepath.ToSlash(rel)))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("site: copy assets: %w", err)
	}
	return urls, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func formatBytes(n int64) string {
	return strconv.FormatFloat(float64(n)/1e6, 'f', 3, 64) + " MB"
}

// addCompile puts compileWasm into the generated page at path, before its
// <title> and so before the stylesheets (the policy, addPolicy, is above).
// cacheName is the service worker's cache of this version (go-app names it
// "app-" + version), where the compile worker looks for the wasm first.
func addCompile(path, cacheName string) error {
	const title = "<title>"
	script := strings.Replace(compileWasm, "<script ", `<script data-cache="`+html.EscapeString(cacheName)+`" `, 1)
	return replaceInPage(path, "compile script", title, script+"\n    "+title)
}

// dropPreRender empties go-app's mount point in the generated page at path:
// the first element of its <body>, where go-app writes the route's
// component rendered on the server (the whole chat, ~300 elements), before
// its loader. Nobody saw that copy: the loader covers the page until the
// wasm runs, and the wasm then replaces the mount point with its own DOM.
// But the browser parsed, styled and laid it out first, on the main thread,
// while the compile worker (web/wasm-compile.js) compiled the wasm on the
// machine's other core, and go-app removed it again during Go's start.
// Without it warm starts ran ~60 ms faster, cold ~50 ms (BENCHMARKS.md, "The
// start without the pre-rendered chat"). Bots and ?wasm=false, for which
// go-app removes the loader, see an empty page.
func dropPreRender(path string) error {
	const loaderID = `id="app-wasm-loader"` // go-app writes its attributes in any order
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("site: pre-render: %w", err)
	}
	page := string(raw)
	bodyOpen := strings.Index(page, "<body>")
	loader := strings.LastIndex(page[:max(strings.Index(page, loaderID), 0)], "<aside ")
	if strings.Count(page, "<body>") != 1 || strings.Count(page, loaderID) != 1 || loader < bodyOpen {
		return errors.New("site: pre-render: " + path + " does not have one <body> and, after it, one <aside " + loaderID)
	}
	page = page[:bodyOpen+len("<body>")] + "\n    " + mountPoint + "\n    " + page[loader:]
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		return fmt.Errorf("site: pre-render: %w", err)
	}
	return nil
}

// noScript goes into go-app's loader, the one <aside> left once the
// pre-render is dropped: without JavaScript the loader would spin forever
// over an empty page, so it says why instead.
const noScript = `  <noscript><p class="goapp-label">This chat needs JavaScript and WebAssembly. Allow JavaScript for this site, then reload.</p></noscript>`

// mountPoint is what go-app's client takes as the page's first element
// (engineX.Load: the body's firstElementChild) and replaces with the app.
const mountPoint = "<div></div>"

// replaceInPage replaces mark, which the generated page at path must hold
// exactly once, by with; what names the edit in its errors.
func replaceInPage(path, what, mark, with string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("site: %s: %w", what, err)
	}
	page := string(raw)
	if strings.Count(page, mark) != 1 {
		return errors.New("site: " + what + ": " + path + " does not have exactly one " + mark)
	}
	page = strings.Replace(page, mark, with, 1)
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		return fmt.Errorf("site: %s: %w", what, err)
	}
	return nil
}
