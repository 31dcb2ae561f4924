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
