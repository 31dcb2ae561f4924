package browsertest

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// inaccessiblePage breaks rules axe-core rates serious or critical: an unlabelled field,
// an image without alt text, grey on grey text.
const inaccessiblePage = `<!doctype html><html lang="en"><head><title>bad</title></head><body>
<main data-page="bad"><form><input type="text" name="q"></form><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color:#ccc;background:#ddd">hard to read</p></main></body></html>`

// TestAxe_findsViolations proves the accessibility check can fail: on a page with known
// violations it reports them.
func TestAxe_findsViolations(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(inaccessiblePage))
	}))
	t.Cleanup(site.Close)
	tb := newTab(t, startBrowser(t), &server{base: site.URL})
	tb.expectPage(tb.open("/"), 200, "bad")
	found := map[string]bool{}
	for _, v := range tb.axeViolations() {
		found[v.ID] = true
	}
	for _, rule := range []string{"label", "image-alt", "color-contrast"} {
		if !found[rule] {
			t.Errorf("axe did not report %s; it reported %v", rule, found)
		}
	}
}
