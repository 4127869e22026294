//go:build !js

package e2e

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// siteWithRelays generates the static site as a deployer does for several
// relays (`go run ./app -relays …`, whose list reaches the app through
// app.js) and returns its directory, to serve with a relay's -web. The wasm
// is the suite's, copied with its precompressed siblings after generation,
// so that the generator has nothing to compress and the test stays fast.
func siteWithRelays(t *testing.T, relays ...string) string {
	t.Helper()
	dir := t.TempDir()
	generator := filepath.Join(dir, "generate-site")
	build := exec.Command("go", "build", "-o", generator, "./app")
	build.Dir = suite.moduleRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the site generator (go build ./app): %v\n%s", err, out)
	}
	site := filepath.Join(dir, "site")
	generate := exec.Command(generator, "-out", site, "-web", filepath.Join(suite.moduleRoot, "web"),
		"-version", "e2e-relays", "-relays", strings.Join(relays, ","))
	if out, err := generate.CombinedOutput(); err != nil {
		t.Fatalf("generating the site with -relays: %v\n%s", err, out)
	}
	for _, name := range []string{"app.wasm", "app.wasm.br", "app.wasm.gz"} {
		src := filepath.Join(suite.distDir, "web", name)
		if _, err := os.Stat(src); err != nil && name != "app.wasm" {
			continue // a site built without precompression
		}
		if err := copyFile(src, filepath.Join(site, "web", name)); err != nil {
			t.Fatalf("copying the wasm into the generated site: %v", err)
		}
	}
	return site
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}
