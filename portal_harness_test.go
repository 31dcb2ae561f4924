package orgkit_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/domain"
)

// portalRoot is the superadmin of the portal tests.
const portalRoot = "root@example.com"

// portalKit serves orgkit's API and portal (development sign-in on) on SQLite, through a
// real HTTP server.
// Each mod changes the configuration first.
func portalKit(t *testing.T, mods ...func(*orgkit.Config)) (*orgkit.Kit, *httptest.Server) {
	t.Helper()
	k := newPortalKit(t, mods...)
	r := gin.New()
	k.Register(r)
	k.RegisterPortal(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return k, srv
}

// newPortalKit is portalKit's Kit, mounted nowhere yet.
func newPortalKit(t *testing.T, mods ...func(*orgkit.Config)) *orgkit.Kit {
	t.Helper()
	ctx := context.Background()
	cfg := orgkit.Config{DB: hostDB(t, gormstore.SQLite), Auth: orgkit.AuthConfig{HS256Secret: secret},
		SuperadminEmails: []string{portalRoot}, VaultKeys: vaultKeys, Portal: orgkit.PortalConfig{DevSignIn: true},
		Webhooks: orgkit.WebhooksConfig{AllowPrivate: true}, Domains: orgkit.DomainsConfig{Recheck: orgkit.RecheckConfig{Disabled: true}}}
	for _, mod := range mods {
		mod(&cfg)
	}
	k, err := orgkit.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return k
}

// browser is a cookie-keeping client that does not follow redirects and posts forms the way
// a browser does (Origin of the server, the page's CSRF token).
type browser struct {
	t    *testing.T
	srv  *httptest.Server
	c    *http.Client
	csrf string // from the last page read
}

type page struct {
	status   int
	body     string
	header   http.Header
	location string
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, srv: srv, c: c}
}

// signedIn is a browser signed in through the development sign-in form as email.
func signedIn(t *testing.T, srv *httptest.Server, email string) *browser {
	t.Helper()
	b := newBrowser(t, srv)
	pg := b.postRaw("/portal/sign-in", url.Values{"email": {email}, "name": {"Tester"}}, "")
	if pg.status != http.StatusSeeOther || pg.location != "/portal/" {
		t.Fatalf("sign in as %s: %d %s %s", email, pg.status, pg.location, pg.body)
	}
	b.get("/portal/")
	return b
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if m := csrfField.FindStringSubmatch(string(body)); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return page{status: res.StatusCode, body: string(body), header: res.Header, location: res.Header.Get("Location")}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.srv.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form with the current CSRF token from the server's own origin.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("csrf_token") {
		form.Set("csrf_token", b.csrf)
	}
	return b.postRaw(path, form, b.srv.URL)
}

// postRaw sends form as is, with the Origin header origin (none when empty).
func (b *browser) postRaw(path string, form url.Values, origin string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return b.do(req)
}

// upload posts a multipart form with one file field.
func (b *browser) upload(path, field string, data []byte) page {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("csrf_token", b.csrf); err != nil {
		b.t.Fatal(err)
	}
	w, err := mw.CreateFormFile(field, field+".png")
	if err != nil {
		b.t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		b.t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+path, &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.srv.URL)
	return b.do(req)
}

// wantPage fails unless pg has status and is the page name (its <main data-page>).
func wantPage(t *testing.T, pg page, status int, name string) {
	t.Helper()
	if pg.status != status || !strings.Contains(pg.body, `data-page="`+name+`"`) {
		t.Fatalf("want %d page %q, got %d:\n%s", status, name, pg.status, pg.body)
	}
}

// wantRedirect fails unless pg is the 303 of a successful form to location.
func wantRedirect(t *testing.T, pg page, location string) {
	t.Helper()
	if pg.status != http.StatusSeeOther || pg.location != location {
		t.Fatalf("want 303 to %s, got %d %q:\n%s", location, pg.status, pg.location, pg.body)
	}
}

var alertRE = regexp.MustCompile(`(?s)role="alert">(.*?)</`)

// alertOf is the text of the page's role="alert" element, "" when none.
func alertOf(pg page) string {
	m := alertRE.FindStringSubmatch(pg.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(strings.TrimSpace(m[1]))
}

// auditActions are the actions of an organization's audit log, newest first.
func auditActions(t *testing.T, k *orgkit.Kit, orgID int64) []string {
	t.Helper()
	page, err := k.Service().ListAllAuditLogs(context.Background(), domain.Principal{Superadmin: true}, domain.AuditQuery{OrganizationID: &orgID, PageSize: domain.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range page.Items {
		out = append(out, r.Action)
	}
	return out
}

// createOrg creates an organization through the portal as the superadmin b and returns its id.
func createOrg(t *testing.T, b *browser, name, slug string) int64 {
	t.Helper()
	pg := b.post("/portal/organizations", url.Values{"name": {name}, "slug": {slug}})
	if pg.status != http.StatusSeeOther || !strings.HasPrefix(pg.location, "/portal/organizations/") {
		t.Fatalf("create organization: %d %q %s", pg.status, pg.location, pg.body)
	}
	var id int64
	for _, ch := range strings.TrimPrefix(pg.location, "/portal/organizations/") {
		id = id*10 + int64(ch-'0')
	}
	return id
}
