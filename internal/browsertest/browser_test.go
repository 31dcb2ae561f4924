package browsertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// tabTimeout bounds everything one tab does, so a page that never loads fails the test
// instead of hanging until go test's own timeout.
const tabTimeout = 3 * time.Minute

// startBrowser starts a headless Chromium for the test, with a fresh profile, and stops it
// when the test ends. The flags keep it off the network (this machine has none) and let it
// run as root.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(browserCtx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return browserCtx
}

// tab is one signed-in person: a tab in its own browser context, so its cookies are its own.
type tab struct {
	t   *testing.T
	ctx context.Context
	srv *server
}

// newTab opens a tab in a fresh browser context (no cookies) of browser.
func newTab(t *testing.T, browser context.Context, srv *server) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, tabTimeout)
	t.Cleanup(func() { cancelTimeout(); cancel() })
	tb := &tab{t: t, ctx: ctx, srv: srv}
	tb.do(chromedp.EmulateViewport(desktop.width, desktop.height))
	return tb
}

// do runs actions, failing the test on the first error.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression (a promise is awaited) and decodes its value.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluate %.80q: %v", expr, err)
	}
	return v
}

// open navigates to path (relative to the server) and returns the HTTP status of the page.
func (tb *tab) open(path string) int64 {
	tb.t.Helper()
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(tb.url(path)))
	if err != nil {
		tb.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// submit runs actions that submit a form and returns the status of the page the browser
// lands on (after the POST's redirect, when there is one).
func (tb *tab) submit(actions ...chromedp.Action[chromedp.Void]) int64 {
	tb.t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, actions...)
	if err != nil {
		tb.t.Fatalf("submit: %v", err)
	}
	return resp.Status
}

func (tb *tab) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return tb.srv.base + path
}

// page is the data-page of the page shown, "" when it has none.
func (tb *tab) page() string {
	tb.t.Helper()
	return eval[string](tb, `document.querySelector('main[data-page]')?.dataset.page ?? ''`)
}

// expectPage fails unless the page shown is name and was answered with status.
func (tb *tab) expectPage(status, want int64, name string) {
	tb.t.Helper()
	if got := tb.page(); status != want || got != name {
		tb.t.Fatalf("want page %q (%d), got %q (%d) at %s:\n%s", name, want, got, status, tb.location(), tb.text("main"))
	}
}

// location is the page's URL.
func (tb *tab) location() string {
	tb.t.Helper()
	return eval[string](tb, `location.href`)
}

// text is the visible text of the first element matching the CSS selector, "" when none.
func (tb *tab) text(selector string) string {
	tb.t.Helper()
	return eval[string](tb, `document.querySelector(`+jsString(selector)+`)?.innerText ?? ''`)
}

// count is how many elements match the CSS selector.
func (tb *tab) count(selector string) int {
	tb.t.Helper()
	return eval[int](tb, `document.querySelectorAll(`+jsString(selector)+`).length`)
}

// fill types value into the field matching the CSS selector, replacing what it held.
func (tb *tab) fill(selector, value string) {
	tb.t.Helper()
	if !eval[bool](tb, `(f => { if (!f) return false; f.value = ''; return true; })(document.querySelector(`+jsString(selector)+`))`) {
		tb.t.Fatalf("no field %s on %s:\n%s", selector, tb.location(), tb.text("main"))
	}
	tb.do(chromedp.SendKeys(chromedp.CSS(selector), value))
}

// choose selects the option whose value is value in the select (or sets the field)
// matching the CSS selector.
func (tb *tab) choose(selector, value string) {
	tb.t.Helper()
	got := eval[string](tb, `(f => { if (!f) return '<none>'; f.value = `+jsString(value)+`;
		f.dispatchEvent(new Event('change', {bubbles: true})); return f.value; })(document.querySelector(`+jsString(selector)+`))`)
	if got != value {
		tb.t.Fatalf("cannot choose %q in %s (got %q) on %s", value, selector, got, tb.location())
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return "'" + r.Replace(s) + "'"
}
