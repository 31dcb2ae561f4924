package browsertest

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/chromedp"
)

// viewport is a screen size every page is photographed at.
type viewport struct {
	name          string
	width, height int64
	mobile        bool
}

var (
	desktop   = viewport{"desktop", 1280, 800, false}
	mobile    = viewport{"mobile", 390, 844, true}
	viewports = []viewport{desktop, mobile}
)

// emulate sizes the tab's viewport (scale 1, so a screenshot has exactly these pixels).
func (v viewport) emulate() chromedp.Action[chromedp.Void] {
	if v.mobile {
		return chromedp.EmulateViewport(v.width, v.height, chromedp.EmulateMobile)
	}
	return chromedp.EmulateViewport(v.width, v.height)
}

// violation is one axe-core rule the page breaks.
type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

func (v violation) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, ", "))
}

// axeRun runs axe-core on the page, injected through DevTools (the page's CSP allows no
// inline script, and a test must not weaken it), and lists what it reports.
const axeRun = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))`

// axeViolations injects axe-core into the page shown and returns its serious and critical
// violations.
func (tb *tab) axeViolations() []violation {
	tb.t.Helper()
	if !eval[bool](tb, `typeof axe === 'object'`) {
		tb.do(chromedp.Evaluate[chromedp.Void](axeSource(tb.t)))
	}
	var bad []violation
	for _, v := range eval[[]violation](tb, axeRun) {
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, v)
		}
	}
	return bad
}

// checkAccessible fails the test when axe-core finds a serious or critical violation.
func (tb *tab) checkAccessible(name string) {
	tb.t.Helper()
	for _, v := range tb.axeViolations() {
		tb.t.Errorf("page %s: %s", name, v)
	}
}

// screenshots saves the page shown at every viewport as <artifacts>/<name>-<viewport>.png,
// checking each image has the viewport's size, then goes back to the desktop size.
func (tb *tab) screenshots(name string) {
	tb.t.Helper()
	dir := artifactsDir(tb.t)
	for _, v := range viewports {
		tb.do(v.emulate())
		img, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			tb.t.Fatalf("screenshot %s: %v", name, err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(img))
		if err != nil || int64(cfg.Width) != v.width || int64(cfg.Height) != v.height {
			tb.t.Fatalf("screenshot %s %s: %dx%d, %v; want %dx%d", name, v.name, cfg.Width, cfg.Height, err, v.width, v.height)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+v.name+".png"), img, 0o644); err != nil {
			tb.t.Fatal(err)
		}
	}
	tb.do(desktop.emulate())
}

// assets are the scripts and stylesheets the page loads, as absolute URLs.
func (tb *tab) assets() []string {
	tb.t.Helper()
	return eval[[]string](tb, `[...document.querySelectorAll('script[src], link[rel~=stylesheet][href]')].map(e => e.src || e.href)`)
}

// inspect runs every per-page check on the page shown, which must be name: accessibility,
// screenshots, and its scripts and styles are added to weights.
func (tb *tab) inspect(name string, weights map[string]bool) {
	tb.t.Helper()
	if got := tb.page(); got != name {
		tb.t.Fatalf("inspect: page is %q, not %q", got, name)
	}
	tb.checkAccessible(name)
	tb.screenshots(name)
	for _, a := range tb.assets() {
		weights[a] = true
	}
}
