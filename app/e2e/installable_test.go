//go:build !js

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Scenario 7. Chromium finds the app installable (Page.getInstallabilityErrors
// is empty, the manifest parses without errors) and every icon the manifest
// lists loads with the size it declares, including 192, 512 and a maskable one.
func TestInstallable_ManifestAndIcons(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	alice := newPerson(t, "Alice")
	alice.open(roomURL(relay.URL(), "e2e-install", ""))
	alice.waitOnline()
	alice.waitServiceWorkerReady()

	manifest := alice.appManifest()
	if len(manifest.Errors) > 0 {
		for _, e := range manifest.Errors {
			t.Errorf("manifest %s: %s (line %d, column %d, critical %d)", manifest.URL, e.Message, e.Line, e.Column, e.Critical)
		}
	}
	alice.waitInstallable()

	var icons []struct {
		Src     string `json:"src"`
		Sizes   string `json:"sizes"`
		Purpose string `json:"purpose"`
		Status  int    `json:"status"`
		Type    string `json:"type"`
		Width   int    `json:"width"`
		Height  int    `json:"height"`
		Error   string `json:"error"`
	}
	alice.eval(`(async () => {
		const link = document.querySelector('link[rel=manifest]');
		const url = new URL(link.href, location.href);
		const manifest = await (await fetch(url, {cache: 'no-store'})).json();
		const out = [];
		for (const icon of manifest.icons || []) {
			const r = {src: icon.src, sizes: icon.sizes || '', purpose: icon.purpose || 'any'};
			try {
				const resp = await fetch(new URL(icon.src, url), {cache: 'no-store'});
				r.status = resp.status;
				r.type = resp.headers.get('content-type') || '';
				const blob = await resp.blob();
				if (r.type.includes('svg')) {
					// Bitmaps cannot be made from SVG; an <img> proves it renders.
					const img = new Image();
					img.src = URL.createObjectURL(blob);
					await img.decode();
					r.width = img.naturalWidth; r.height = img.naturalHeight;
				} else {
					const bitmap = await createImageBitmap(blob);
					r.width = bitmap.width; r.height = bitmap.height;
				}
			} catch (e) { r.error = String(e); }
			out.push(r);
		}
		return out;
	})()`, &icons)

	if len(icons) == 0 {
		t.Fatalf("the manifest lists no icons")
	}
	sizes := map[string]bool{}
	maskable := false
	for _, icon := range icons {
		t.Logf("icon %s sizes=%q purpose=%q: %d %s %dx%d", icon.Src, icon.Sizes, icon.Purpose, icon.Status, icon.Type, icon.Width, icon.Height)
		if icon.Error != "" || icon.Status != 200 {
			t.Errorf("icon %s does not load: status %d %s", icon.Src, icon.Status, icon.Error)
			continue
		}
		if strings.Contains(icon.Purpose, "maskable") {
			maskable = true
		}
		for _, size := range strings.Fields(icon.Sizes) {
			if size == "any" {
				continue // scalable (SVG): any size is right
			}
			sizes[size] = true
			if want := fmt.Sprintf("%dx%d", icon.Width, icon.Height); size != want && !strings.Contains(icon.Type, "svg") {
				t.Errorf("icon %s declares %s but is %s", icon.Src, size, want)
			}
		}
	}
	for _, size := range []string{"192x192", "512x512"} {
		if !sizes[size] {
			t.Errorf("the manifest has no loadable %s icon", size)
		}
	}
	if !maskable {
		t.Errorf("the manifest has no maskable icon")
	}
}

// appManifest returns the manifest as Chromium parsed it.
func (p *person) appManifest() page.GetAppManifestResult {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, page.GetAppManifest, page.GetAppManifestParams{})
	if err != nil {
		p.t.Fatalf("%s: Page.getAppManifest: %v", p.name, err)
	}
	if res.URL == "" {
		p.t.Fatalf("%s: the page links no manifest\n%s", p.name, p.dump())
	}
	return res
}

// waitInstallable asks Chromium why the page is not installable until the
// answer is "no reason". Chromium decides asynchronously after the manifest
// and the service worker are ready, so the question is repeated, with a
// deadline, and the last reasons make the failure message.
func (p *person) waitInstallable() {
	p.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
		res, err := chromedp.Call(ctx, page.GetInstallabilityErrors, cdp.Empty{})
		cancel()
		if err != nil {
			p.t.Fatalf("%s: Page.getInstallabilityErrors: %v", p.name, err)
		}
		if len(res.InstallabilityErrors) == 0 {
			return
		}
		if time.Now().After(deadline) {
			reasons, _ := json.Marshal(res.InstallabilityErrors)
			p.t.Fatalf("%s: Chromium says the app is not installable: %s", p.name, reasons)
		}
		select {
		case <-tick.C:
		case <-p.ctx.Done():
			p.t.Fatalf("%s: browser gone: %v", p.name, p.ctx.Err())
		}
	}
}
