package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/adapters/portal"
)

// getPage fetches url with client and returns its status and body.
func getPage(t *testing.T, client *http.Client, u string, cookies ...*http.Cookie) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// serve --dev mounts the portal at /portal/ with the development sign-in; the developer
// (dev@orgkit.local) is a superadmin there.
func TestServe_PortalDevSignIn(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": "sqlite:" + filepath.Join(dir, "dev.db"),
		"ORGKIT_DATA_DIR": filepath.Join(dir, "data")}
	base, _, _ := startRun(t, []string{"serve", "--dev"}, env)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar}
	if code, body := getPage(t, client, base+"/portal/"); code != http.StatusUnauthorized || !strings.Contains(body, `href="/portal/sign-in"`) {
		t.Fatalf("signed out: %d\n%s", code, body)
	}
	res, err := client.PostForm(base+"/portal/sign-in", url.Values{"email": {devEmail}, "name": {"Dev"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || !strings.Contains(string(b), `id="create-organization"`) {
		t.Fatalf("after sign-in (redirected to /portal/): %d %v\n%s", res.StatusCode, err, b)
	}
	if code, _ := getPage(t, client, base+"/portal/assets/portal.js"); code != http.StatusOK {
		t.Fatalf("assets: %d", code)
	}
}

// Without --dev there is no development sign-in; the token comes from ORGKIT_PORTAL_COOKIE.
func TestServe_PortalCookie(t *testing.T) {
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite),
		"ORGKIT_AUTH_HS256_SECRET": "portal-secret-0123456789abcdef0123", "ORGKIT_PORTAL_COOKIE": "app_session"}
	base, _, _ := startRun(t, []string{"serve"}, env)
	if code, _ := getPage(t, http.DefaultClient, base+"/portal/sign-in"); code != http.StatusUnauthorized {
		t.Fatalf("dev sign-in outside --dev: %d", code)
	}
	res, err := http.PostForm(base+"/portal/sign-in", url.Values{"email": {"x@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Set-Cookie") != "" {
		t.Fatalf("dev sign-in POST outside --dev: %d %q", res.StatusCode, res.Header.Get("Set-Cookie"))
	}
	tok := mint(t, env, "--sub", "u1", "--email", "u1@example.com")
	if code, _ := getPage(t, http.DefaultClient, base+"/portal/", &http.Cookie{Name: "__session", Value: tok}); code != http.StatusUnauthorized {
		t.Fatalf("the default cookie was read: %d", code)
	}
	if code, body := getPage(t, http.DefaultClient, base+"/portal/", &http.Cookie{Name: "app_session", Value: tok}); code != http.StatusOK || !strings.Contains(body, "u1@example.com") {
		t.Fatalf("ORGKIT_PORTAL_COOKIE: %d\n%s", code, body)
	}
}

// A developer who signs in to the portal (serve --dev) and calls the API with
// `orgkit token --email` for the same email is one user, whichever comes first.
func TestServe_PortalDevSignInAndTokenAreOneUser(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": "sqlite:" + filepath.Join(dir, "dev.db"),
		"ORGKIT_DATA_DIR": filepath.Join(dir, "data")}
	base, _, _ := startRun(t, []string{"serve", "--dev"}, env)
	me := func(token string) (any, any) {
		t.Helper()
		code, body := call(t, "GET", base+"/v1/me", token, nil)
		data, _ := body["data"].(map[string]any)
		if code != http.StatusOK || data == nil {
			t.Fatalf("GET /v1/me: %d %v", code, body)
		}
		return data["id"], data["email"]
	}
	for _, email := range []string{devEmail, "ann@example.com"} {
		cli := mint(t, env, "--email", email)
		cliFirst := email != devEmail
		var cliID any
		if cliFirst {
			cliID, _ = me(cli)
		}
		portalID, portalEmail := me(portalToken(t, base, email))
		if !cliFirst {
			cliID, _ = me(cli)
		}
		if cliID == nil || cliID != portalID || portalEmail != email {
			t.Errorf("%s: the CLI's token is user %v, the portal's sign-in user %v (email %v)", email, cliID, portalID, portalEmail)
		}
	}
}

// portalToken signs in through the portal's development sign-in as email and returns the
// token of its session cookie.
func portalToken(t *testing.T, base, email string) string {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(base+"/portal/sign-in", url.Values{"email": {email}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "__session" && c.Value != "" {
			return c.Value
		}
	}
	t.Fatalf("sign-in as %s: %d, no session cookie", email, res.StatusCode)
	return ""
}

// The binary answers unknown paths under /portal/ with the portal's HTML page (its security
// headers, a link home), and every other unknown path, /v1/… included, with the API's JSON
// 404 exactly as before.
func TestServe_PortalUnknownPaths(t *testing.T) {
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite),
		"ORGKIT_AUTH_HS256_SECRET": "portal-secret-0123456789abcdef0123"}
	base, _, _ := startRun(t, []string{"serve"}, env)
	send := func(method, path string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, string(b)
	}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/portal/nope", 404}, {"GET", "/portal/organizations/999999/nope", 404}, {"POST", "/portal/nope/deeper", 404},
		{"GET", "/portal/sign-in/x", 404}, {"DELETE", "/portal/sign-in", 405},
	} {
		res, body := send(c.method, c.path)
		h := res.Header
		if res.StatusCode != c.status || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, `data-page="error"`) ||
			!strings.Contains(body, `href="/portal/"`) || h.Get("Content-Security-Policy") != portal.ContentSecurityPolicy ||
			h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s %s: %d %v\n%s", c.method, c.path, res.StatusCode, h, body)
		}
	}
	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/v1/nope", `{"error":{"code":"not_found","message":"route not found"}}`, 404},
		{"GET", "/portalx", `{"error":{"code":"not_found","message":"route not found"}}`, 404},
		{"DELETE", "/v1/me", `{"error":{"code":"method_not_allowed","message":"method not allowed on this route"}}`, 405},
	} {
		res, body := send(c.method, c.path)
		if res.StatusCode != c.status || body != c.body || res.Header.Get("Content-Type") != "application/json; charset=utf-8" ||
			res.Header.Get("Content-Security-Policy") != "" {
			t.Errorf("%s %s: %d %v %s", c.method, c.path, res.StatusCode, res.Header, body)
		}
	}
}
