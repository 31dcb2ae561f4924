package main

import (
	"net/http"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

// TestServe_UnknownRoutes: the binary answers unknown routes and methods in orgkit's envelope,
// with a request id, like every other answer.
func TestServe_UnknownRoutes(t *testing.T) {
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite),
		"ORGKIT_AUTH_HS256_SECRET": "e2e-secret-0123456789abcdef01234"}
	base, _, _ := startRun(t, []string{"serve"}, env)
	for _, c := range []struct {
		method, path, code string
		status             int
	}{{"GET", "/nowhere", "not_found", 404}, {"DELETE", "/healthz", "method_not_allowed", 405}} {
		req, err := http.NewRequest(c.method, base+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Body.Close(); err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != c.status || res.Header.Get("X-Request-ID") == "" || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("%s %s: %d, request id %q, %s", c.method, c.path, res.StatusCode, res.Header.Get("X-Request-ID"), res.Header.Get("Content-Type"))
		}
		if status, body := call(t, c.method, base+c.path, "", nil); status != c.status || body["error"].(map[string]any)["code"] != c.code {
			t.Errorf("%s %s: %d %v", c.method, c.path, status, body)
		}
	}
}
