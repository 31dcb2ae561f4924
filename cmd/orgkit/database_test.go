package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/internal/testenv"
)

// request is call that also returns the answer's headers.
func request(t *testing.T, method, url, token string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil && err != io.EOF {
		t.Fatalf("%s %s: answer is not JSON: %v", method, url, err)
	}
	return res.StatusCode, res.Header, out
}

// TestServe_SQLiteBusyAnswers503: a write while another process holds SQLite's write lock
// beyond the busy timeout (shortened by the URL's own pragma) answers 503
// service_unavailable with Retry-After, not 500; reads go on, and the write succeeds once the
// lock is released.
func TestServe_SQLiteBusyAnswers503(t *testing.T) {
	url := gormtest.URL(t, gormstore.SQLite) + "?_pragma=busy_timeout(50)"
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": url,
		"ORGKIT_AUTH_HS256_SECRET": "e2e-secret-0123456789abcdef01234", "ORGKIT_SUPERADMIN_EMAILS": "boss@example.com"}
	base, _, _ := startRun(t, []string{"serve"}, env)
	tok := mint(t, env, "--sub", "boss", "--email", "boss@example.com")
	if code, _, body := request(t, "POST", base+"/v1/organizations", tok, map[string]any{"name": "Acme", "slug": "acme"}); code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	release := gormtest.HoldSQLiteWriteLock(t, url)
	start := time.Now()
	code, hdr, body := request(t, "PATCH", base+"/v1/organizations/1", tok, map[string]any{"tagline": "busy"})
	if code != 503 || body["error"].(map[string]any)["code"] != "service_unavailable" || hdr.Get("Retry-After") != "1" {
		t.Fatalf("write under a held lock: %d %v Retry-After=%q", code, body, hdr.Get("Retry-After"))
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v: the URL's busy_timeout did not apply", took)
	}
	if code, _, body := request(t, "GET", base+"/v1/organizations/1", tok, nil); code != 200 {
		t.Fatalf("read under a held lock: %d %v", code, body)
	}
	release()
	if code, _, body := request(t, "PATCH", base+"/v1/organizations/1", tok, map[string]any{"tagline": "free"}); code != 200 {
		t.Fatalf("write after release: %d %v", code, body)
	}
}

// TestConfig_ShutdownDelayAndPool: the two settings come from their variables or flags and
// refuse values out of range.
func TestConfig_ShutdownDelayAndPool(t *testing.T) {
	parse := func(env map[string]string, args ...string) (config, error) {
		var cfg config
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg.register(fs)
		if err := cfg.parse(fs, args, envOf(env)); err != nil {
			return cfg, err
		}
		return cfg, cfg.validate()
	}
	cfg, err := parse(nil)
	if err != nil || cfg.ShutdownDelay != 5*time.Second || cfg.DBMaxConns != 20 {
		t.Fatalf("defaults: %v %v %v", cfg.ShutdownDelay, cfg.DBMaxConns, err)
	}
	cfg, err = parse(map[string]string{"ORGKIT_SHUTDOWN_DELAY": "0", "ORGKIT_DB_MAX_CONNS": "7"})
	if err != nil || cfg.ShutdownDelay != 0 || cfg.DBMaxConns != 7 {
		t.Fatalf("environment: %v %v %v", cfg.ShutdownDelay, cfg.DBMaxConns, err)
	}
	cfg, err = parse(map[string]string{"ORGKIT_SHUTDOWN_DELAY": "1s"}, "--shutdown-delay", "250ms", "--db-max-conns", "3")
	if err != nil || cfg.ShutdownDelay != 250*time.Millisecond || cfg.DBMaxConns != 3 {
		t.Fatalf("flags: %v %v %v", cfg.ShutdownDelay, cfg.DBMaxConns, err)
	}
	for _, env := range []map[string]string{{"ORGKIT_SHUTDOWN_DELAY": "-1s"}, {"ORGKIT_SHUTDOWN_DELAY": "soon"},
		{"ORGKIT_DB_MAX_CONNS": "0"}, {"ORGKIT_DB_MAX_CONNS": "many"}, {"ORGKIT_RESOLVE_CACHE_TTL": "0s"}} {
		if _, err := parse(env); err == nil {
			t.Errorf("%v accepted", env)
		}
	}
}

// TestWire_PostgresPoolSize: the binary opens its Postgres pool with ORGKIT_DB_MAX_CONNS
// connections, idle and open alike.
func TestWire_PostgresPoolSize(t *testing.T) {
	testenv.Postgres(t)
	cfg := config{DatabaseURL: gormtest.URL(t, gormstore.Postgres), DBMaxConns: 7}
	oc, err := orgkit.ConfigFromEnv(context.Background(), cfg.lookup)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := orgkit.CloseConfig(oc); err != nil {
			t.Error(err)
		}
	}()
	db, err := oc.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	if got := db.Stats().MaxOpenConnections; got != 7 {
		t.Fatalf("max open connections %d, want 7", got)
	}
}
