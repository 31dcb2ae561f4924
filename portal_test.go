package orgkit_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/portal"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/internal/imagetest"
)

func TestPortal_SignIn(t *testing.T) {
	_, srv := portalKit(t)
	t.Run("unauthenticated", func(t *testing.T) {
		b := newBrowser(t, srv)
		pg := b.get("/portal/")
		wantPage(t, pg, http.StatusUnauthorized, "signed-out")
		if !strings.Contains(pg.body, `href="/portal/sign-in"`) || strings.Contains(pg.body, "goroutine") {
			t.Fatalf("the 401 page must link the dev sign-in and show no trace:\n%s", pg.body)
		}
		if ct := pg.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("Content-Type %q", ct)
		}
	})
	t.Run("invalid token", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/portal/", nil)
		req.AddCookie(&http.Cookie{Name: portal.DefaultCookie, Value: "not-a-token"})
		pg := newBrowser(t, srv).do(req)
		wantPage(t, pg, http.StatusUnauthorized, "signed-out")
	})
	t.Run("API token in the cookie", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/portal/", nil)
		req.AddCookie(&http.Cookie{Name: portal.DefaultCookie, Value: mint(t, "u-cookie", "cookie@example.com")})
		pg := newBrowser(t, srv).do(req)
		wantPage(t, pg, http.StatusOK, "switcher")
	})
	t.Run("dev sign-in and sign-out", func(t *testing.T) {
		b := newBrowser(t, srv)
		wantPage(t, b.get("/portal/sign-in"), http.StatusOK, "sign-in")
		pg := b.postRaw("/portal/sign-in", url.Values{"email": {"Dev@Example.com"}, "name": {"Dev"}}, srv.URL)
		wantRedirect(t, pg, "/portal/")
		cookie := pg.header.Get("Set-Cookie")
		for _, want := range []string{"__session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(cookie, want) {
				t.Fatalf("Set-Cookie %q lacks %q", cookie, want)
			}
		}
		pg = b.get("/portal/")
		wantPage(t, pg, http.StatusOK, "switcher")
		if !strings.Contains(pg.body, "dev@example.com") {
			t.Fatalf("the signed-in user is not shown:\n%s", pg.body)
		}
		wantPage(t, b.post("/portal/sign-out", nil), http.StatusOK, "signed-out")
		wantPage(t, b.get("/portal/"), http.StatusUnauthorized, "signed-out")
	})
	t.Run("invalid email", func(t *testing.T) {
		pg := newBrowser(t, srv).postRaw("/portal/sign-in", url.Values{"email": {"nope"}}, "")
		wantPage(t, pg, http.StatusBadRequest, "sign-in")
		if alertOf(pg) == "" {
			t.Fatal("no alert")
		}
	})
}

func TestPortal_SecurityHeaders(t *testing.T) {
	_, srv := portalKit(t)
	b := signedIn(t, srv, portalRoot)
	pages := map[string]page{
		"401":    newBrowser(t, srv).get("/portal/"),
		"page":   b.get("/portal/"),
		"asset":  b.get("/portal/assets/portal.css"),
		"403":    b.postRaw("/portal/organizations", url.Values{"name": {"x"}}, srv.URL),
		"404":    b.get("/portal/organizations/999"),
		"signin": b.get("/portal/sign-in"),
	}
	for name, pg := range pages {
		h := pg.header
		if h.Get("Content-Security-Policy") != portal.ContentSecurityPolicy || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("Referrer-Policy") != "same-origin" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s (%d): security headers missing: %v", name, pg.status, h)
		}
	}
	if pages["404"].status != http.StatusNotFound {
		t.Fatalf("unknown organization: %d", pages["404"].status)
	}
}

func TestPortal_CSRF(t *testing.T) {
	_, srv := portalKit(t)
	b := signedIn(t, srv, portalRoot)
	form := url.Values{"name": {"Acme"}, "slug": {"acme"}}
	cases := map[string]struct {
		token, origin string
	}{
		"no token":             {"", srv.URL},
		"wrong token":          {"forged", srv.URL},
		"another user's token": {signedIn(t, srv, "other@example.com").csrf, srv.URL},
		"cross-origin":         {b.csrf, "https://evil.example"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := url.Values{"name": form["name"], "slug": form["slug"]}
			if tc.token != "" {
				f.Set("csrf_token", tc.token)
			}
			pg := b.postRaw("/portal/organizations", f, tc.origin)
			wantPage(t, pg, http.StatusForbidden, "error")
		})
	}
	t.Run("cross-origin Referer", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/portal/organizations",
			strings.NewReader(url.Values{"name": {"A"}, "slug": {"a"}, "csrf_token": {b.csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Referer", "https://evil.example/page")
		wantPage(t, b.do(req), http.StatusForbidden, "error")
	})
	createOrg(t, b, "Acme", "acme") // the same form with the token and origin passes
}

func TestPortal_Organizations(t *testing.T) {
	k, srv := portalKit(t)
	root := signedIn(t, srv, portalRoot)
	id := createOrg(t, root, `Acme <script>alert(1)</script>`, "acme")
	orgPath := fmt.Sprintf("/portal/organizations/%d", id)

	t.Run("escaped", func(t *testing.T) {
		for _, path := range []string{"/portal/", orgPath} {
			pg := root.get(path)
			if strings.Contains(pg.body, "<script>alert(1)") || !strings.Contains(pg.body, "&lt;script&gt;alert(1)") {
				t.Fatalf("%s: the organization's name is not escaped:\n%s", path, pg.body)
			}
		}
	})
	t.Run("slug taken", func(t *testing.T) {
		pg := root.post("/portal/organizations", url.Values{"name": {"Other"}, "slug": {"acme"}})
		wantPage(t, pg, http.StatusConflict, "switcher")
		status, body := call(t, srv, "POST", "/v1/organizations", mint(t, domain.DevSubject(portalRoot), portalRoot), `{"name":"Other","slug":"acme"}`)
		apiMsg, _ := body["error"].(map[string]any)["message"].(string)
		if a := alertOf(pg); status != http.StatusConflict || apiMsg == "" || a != apiMsg {
			t.Fatalf("alert %q, the API's message %q (%d)", a, apiMsg, status)
		}
	})
	t.Run("profile", func(t *testing.T) {
		wantPage(t, root.get(orgPath), http.StatusOK, "profile")
		pg := root.post(orgPath+"/profile", url.Values{"name": {"Acme Inc"}, "tagline": {"We make things"}, "email": {"hello@acme.test"}})
		wantRedirect(t, pg, orgPath)
		pg = root.get(orgPath)
		if !strings.Contains(pg.body, "We make things") || !strings.Contains(pg.body, "hello@acme.test") {
			t.Fatalf("profile not saved:\n%s", pg.body)
		}
		pg = root.post(orgPath+"/profile", url.Values{"name": {"Acme Inc"}, "email": {"not an email"}})
		wantPage(t, pg, http.StatusBadRequest, "profile")
		if a := alertOf(pg); !strings.Contains(a, "email") {
			t.Fatalf("alert %q", a)
		}
	})
	t.Run("logo", func(t *testing.T) {
		wantRedirect(t, root.upload(orgPath+"/logo", "logo", imagetest.PNG(8, 8)), orgPath)
		pg := root.get(orgPath)
		if !strings.Contains(pg.body, `alt="Logo of Acme Inc"`) {
			t.Fatalf("no logo preview:\n%s", pg.body)
		}
		pg = root.upload(orgPath+"/icon", "icon", []byte("not an image"))
		wantPage(t, pg, http.StatusUnsupportedMediaType, "profile")
		if alertOf(pg) == "" {
			t.Fatal("no alert")
		}
		pg = root.upload(orgPath+"/logo", "logo", make([]byte, 2<<20))
		wantPage(t, pg, http.StatusRequestEntityTooLarge, "error")
		wantRedirect(t, root.post(orgPath+"/logo/delete", nil), orgPath)
	})
	t.Run("suspend", func(t *testing.T) {
		wantRedirect(t, root.post(orgPath+"/status", url.Values{"status": {"suspended"}}), "/portal/")
		wantRedirect(t, root.post(orgPath+"/status", url.Values{"status": {"active"}}), "/portal/")
	})
	got := auditActions(t, k, id)
	for _, want := range []string{"organization.created", "organization.updated", "organization.logo_updated", "organization.logo_removed"} {
		if !slices.Contains(got, want) {
			t.Errorf("audit log %v lacks %s", got, want)
		}
	}
}
