package orgkit_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/adapters/portal"
)

// wantPortalError fails unless pg is the portal's HTML error page with status: the layout,
// a link to the portal's home and the portal's security headers.
func wantPortalError(t *testing.T, what string, pg page, status int) {
	t.Helper()
	h := pg.header
	if pg.status != status || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(pg.body, `data-page="error"`) ||
		!strings.Contains(pg.body, `<a class="brand" href="/portal/">`) || !strings.Contains(pg.body, `<a href="/portal/">Back to your organizations</a>`) ||
		h.Get("Content-Security-Policy") != portal.ContentSecurityPolicy || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "same-origin" {
		t.Errorf("%s: want the portal's %d page, got %d %v\n%s", what, status, pg.status, h, pg.body)
	}
}

// serve serves r until the test ends.
func serve(t *testing.T, r *gin.Engine) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// Unknown paths under /portal/ answer the portal's HTML 404 page on every way of mounting
// it: an engine with RegisterOps (the binary's), a host engine whose own NoRoute calls
// PortalNotFound, a portal mounted under a host's group. Other paths keep their answers.
func TestPortal_UnknownPaths(t *testing.T) {
	k, hk := newPortalKit(t), newPortalKit(t)
	ops := gin.New()
	k.RegisterOps(ops)
	k.Register(ops)
	k.RegisterPortal(ops)
	host := gin.New()
	hk.Register(host)
	hk.RegisterPortal(host.Group("/admin"))
	host.NoRoute(func(c *gin.Context) {
		if hk.PortalNotFound(c) {
			return
		}
		c.String(http.StatusTeapot, "the host's own")
	})
	opsSrv, hostSrv := serve(t, ops), serve(t, host)

	for _, path := range []string{"/portal/nope", "/portal/organizations/999999/nope", "/portal/assets/nope.js/x", "/portal/sign-in/more"} {
		wantPortalError(t, "ops "+path, newBrowser(t, opsSrv).get(path), http.StatusNotFound)
		wantPortalError(t, "host /admin"+path, newBrowser(t, hostSrv).get("/admin"+path), http.StatusNotFound)
		if pg := newBrowser(t, hostSrv).get(path); pg.status != http.StatusTeapot || pg.body != "the host's own" {
			t.Errorf("host %s (outside its portal): %d %s", path, pg.status, pg.body)
		}
	}
	wantPortalError(t, "ops POST /portal/nope", newBrowser(t, opsSrv).postRaw("/portal/nope", nil, ""), http.StatusNotFound)
	for _, path := range []string{"/v1/nope", "/portalnope", "/nope"} {
		pg := newBrowser(t, opsSrv).get(path)
		if pg.status != http.StatusNotFound || pg.body != `{"error":{"code":"not_found","message":"route not found"}}` || pg.header.Get("Content-Security-Policy") != "" {
			t.Errorf("ops %s: %d %s", path, pg.status, pg.body)
		}
		if pg := newBrowser(t, hostSrv).get(path); pg.status != http.StatusTeapot {
			t.Errorf("host %s: %d %s", path, pg.status, pg.body)
		}
	}
}

// An organization in a portal URL that the caller may not see answers the portal's HTML
// 403 or 404 page, never the API's JSON, on reads and on forms alike.
func TestPortal_OrganizationNotVisible(t *testing.T) {
	k := newPortalKit(t)
	r := gin.New()
	k.RegisterOps(r)
	k.Register(r)
	k.RegisterPortal(r)
	srv := serve(t, r)
	root := signedIn(t, srv, portalRoot)
	id := createOrg(t, root, "Acme", "acme")
	org := fmt.Sprintf("/portal/organizations/%d", id)
	eve := signedIn(t, srv, "eve@example.com")
	for path, status := range map[string]int{
		org: http.StatusForbidden, org + "/members": http.StatusForbidden, org + "/members?q=a": http.StatusForbidden,
		org + "/webhooks": http.StatusForbidden, org + "/audit": http.StatusForbidden,
		"/portal/organizations/999999": http.StatusNotFound, "/portal/organizations/999999/members": http.StatusNotFound,
		"/portal/organizations/abc/members": http.StatusNotFound, "/portal/organizations/0": http.StatusNotFound,
		"/portal/organizations/999999/nope": http.StatusNotFound, org + "/nope": http.StatusNotFound,
	} {
		wantPortalError(t, "eve GET "+path, eve.get(path), status)
	}
	for path, status := range map[string]int{
		org + "/members/1/role": http.StatusForbidden, org + "/profile": http.StatusForbidden,
		"/portal/organizations/999999/members/1/role": http.StatusNotFound,
	} {
		wantPortalError(t, "eve POST "+path, eve.post(path, nil), status)
	}
}
