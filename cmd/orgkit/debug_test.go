package main

import (
	"encoding/json"
	"net"
	"net/http"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

// freeAddr is a loopback address nothing listens on yet.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// ORGKIT_DEBUG_ADDR serves resolve's counters (and pprof) on a listener of its own.
func TestServe_DebugVarsCountResolve(t *testing.T) {
	debug := freeAddr(t)
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite),
		"ORGKIT_AUTH_HS256_SECRET": "e2e-secret-0123456789abcdef01234", "ORGKIT_DEBUG_ADDR": debug}
	base, _, _ := startRun(t, []string{"serve"}, env)
	for range 2 {
		if code, _ := call(t, "GET", base+"/v1/public/organizations/resolve?slug=nobody", "", nil); code != 404 {
			t.Fatalf("resolve: %d", code)
		}
	}
	res, err := http.Get("http://" + debug + "/debug/vars")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var vars struct{ Resolve struct{ Hits, Loads int64 } }
	if err := json.NewDecoder(res.Body).Decode(&vars); err != nil {
		t.Fatal(err)
	}
	if vars.Resolve.Loads != 1 || vars.Resolve.Hits != 1 {
		t.Fatalf("resolve counters %+v, want one load and one (negative) hit", vars.Resolve)
	}
	if code, _ := call(t, "GET", base+"/debug/vars", "", nil); code != 404 {
		t.Fatalf("the API's address serves /debug/vars: %d", code)
	}
	pprof, err := http.Get("http://" + debug + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	pprof.Body.Close()
	if pprof.StatusCode != 200 {
		t.Fatalf("pprof: %d", pprof.StatusCode)
	}
}
