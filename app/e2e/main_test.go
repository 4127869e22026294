//go:build !js

package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// suite is what TestMain prepared once for every test: the browser to drive,
// the relay binary and the built site. A field is empty when preparing it
// failed; the matching error says why, and every test reports it.
var suite struct {
	moduleRoot string
	chromium   string // path of the browser executable, "" when none was found
	relayBin   string // the relay built from ./relay/cmd/relay
	distDir    string // the static site: index.html, app-worker.js, web/app.wasm …
	setupErr   error  // building the relay or the site failed
}

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

// runSuite prepares the suite, runs the tests and removes what it built. It is
// separate from TestMain so that its deferred cleanup runs before os.Exit.
func runSuite(m *testing.M) int {
	suite.chromium = findChromium()
	if suite.chromium == "" {
		// Say it where `go test` without -v shows it too; nothing to build
		// for tests that will all skip (or fail under CI).
		fmt.Fprintln(os.Stderr, noChromium)
		return m.Run()
	}
	tmp, err := os.MkdirTemp("", "chat-e2e-")
	if err != nil {
		suite.setupErr = fmt.Errorf("temporary directory: %w", err)
		return m.Run()
	}
	defer os.RemoveAll(tmp)
	suite.setupErr = prepare(tmp)
	return m.Run()
}

// prepare finds the module, builds the relay binary into tmp and finds or
// builds the site.
func prepare(tmp string) error {
	root, err := findModuleRoot()
	if err != nil {
		return err
	}
	suite.moduleRoot = root

	relayBin := filepath.Join(tmp, "relay")
	build := exec.Command("go", "build", "-o", relayBin, "./relay/cmd/relay")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the relay (go build ./relay/cmd/relay): %w\n%s", err, out)
	}
	suite.relayBin = relayBin

	dist, err := findOrBuildSite(root)
	if err != nil {
		return err
	}
	suite.distDir = dist
	return nil
}

// findOrBuildSite returns CHAT_DIST when set (build.sh sets it to the site it
// has just built), else runs build.sh so that `go test ./app/e2e` works on a
// fresh clone, and returns its dist/.
func findOrBuildSite(root string) (string, error) {
	if dist := os.Getenv("CHAT_DIST"); dist != "" {
		if err := checkSite(dist); err != nil {
			return "", fmt.Errorf("CHAT_DIST=%s: %w", dist, err)
		}
		return dist, nil
	}
	script := filepath.Join(root, "build.sh")
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("no CHAT_DIST and no build.sh to build the site: %w", err)
	}
	fmt.Fprintln(os.Stderr, "e2e: CHAT_DIST is not set; building the site with ./build.sh")
	cmd := exec.Command(script)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("./build.sh: %w\n%s", err, out)
	}
	dist := filepath.Join(root, "dist")
	if err := checkSite(dist); err != nil {
		return "", fmt.Errorf("after ./build.sh: %w", err)
	}
	return dist, nil
}

// checkSite fails when dir does not look like the built PWA.
func checkSite(dir string) error {
	for _, name := range []string{"index.html", "app-worker.js", filepath.Join("web", "app.wasm")} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("not a built site: %w", err)
		}
	}
	return nil
}

// findModuleRoot walks up from the package directory to the go.mod.
func findModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test directory")
		}
		dir = parent
	}
}

// findChromium returns the browser to drive: CHROMIUM when set, else
// /usr/bin/chromium, else the first of the usual names on the PATH.
func findChromium() string {
	if path := os.Getenv("CHROMIUM"); path != "" {
		if resolved, err := exec.LookPath(path); err == nil {
			return resolved
		}
		return ""
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// noChromium is the warning of a run without a browser.
const noChromium = "!!! NO CHROMIUM: the end-to-end browser tests did NOT run. " +
	"Install Debian's chromium (apt-get install chromium) or set CHROMIUM=/path/to/chrome."

// requireSuite stops the test when the suite cannot run: it skips without a
// browser (fails under CI, where a skipped proof is no proof) and fails
// when the relay or the site could not be built.
func requireSuite(t testing.TB) {
	t.Helper()
	if suite.chromium == "" {
		skipUnlessCI(t, noChromium)
	}
	if suite.setupErr != nil {
		t.Fatalf("e2e setup: %v", suite.setupErr)
	}
}
