package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/internal/testenv"
)

func vaultKey(t *testing.T, id string) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return id + ":" + base64.StdEncoding.EncodeToString(b)
}

func runCmd(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, envOf(env), &out, &errb)
	return out.String() + errb.String(), err
}

// TestVaultRotate: keys sealed under k1 are re-sealed under k2 by `orgkit vault rotate`,
// idempotently, and then open with k2 alone.
func TestVaultRotate(t *testing.T) {
	k1, k2 := vaultKey(t, "k1"), vaultKey(t, "k2")
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite),
		"ORGKIT_AUTH_HS256_SECRET": "e2e-secret-0123456789abcdef01234", "ORGKIT_SUPERADMIN_EMAILS": "boss@example.com",
		"ORGKIT_VAULT_KEYS": k1}
	base, stop, _ := startRun(t, []string{"serve"}, env)
	tok := mint(t, env, "--sub", "boss", "--email", "boss@example.com")
	if code, body := call(t, "POST", base+"/v1/organizations", tok, map[string]any{"name": "Acme", "slug": "acme"}); code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	for i := range 3 {
		if code, _ := call(t, "POST", base+"/v1/organizations/1/api-keys", tok, map[string]any{"title": "t", "service": "s", "api_key": fmt.Sprintf("secret-%d", i)}); code != 201 {
			t.Fatalf("create key: %d", code)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}

	env["ORGKIT_VAULT_KEYS"] = k2 + "," + k1
	if out, err := runCmd(t, env, "vault", "rotate"); err != nil || !strings.Contains(out, "re-sealed 3 key(s)") {
		t.Fatalf("rotate: %q %v", out, err)
	}
	if out, err := runCmd(t, env, "vault", "rotate"); err != nil || !strings.Contains(out, "re-sealed 0 key(s)") {
		t.Fatalf("second rotate: %q %v", out, err)
	}
	env["ORGKIT_VAULT_KEYS"] = k2
	base, _, _ = startRun(t, []string{"serve"}, env)
	code, body := call(t, "GET", base+"/v1/organizations/1/api-keys", tok, nil)
	if data, _ := body["data"].([]any); code != 200 || len(data) != 3 {
		t.Fatalf("reveal with k2 only: %d %v, want 3 keys", code, body)
	}
	if fmt.Sprint(body["data"].([]any)[2].(map[string]any)["api_key"]) != "secret-2" {
		t.Fatalf("reveal with k2 only: %d %v", code, body)
	}
	if out, err := runCmd(t, map[string]string{"ORGKIT_DATABASE_URL": env["ORGKIT_DATABASE_URL"]}, "vault", "rotate"); err == nil {
		t.Fatalf("rotate without keys: %q", out)
	}
}

// auditedDB serves once to write audit records (an organization created and patched twice,
// plus the creations of extra) and returns the env and an open store on the same database.
func auditedDB(t *testing.T, extra ...string) (map[string]string, *gormstore.Store) {
	t.Helper()
	url := gormtest.URL(t, gormstore.SQLite)
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": url,
		"ORGKIT_AUTH_HS256_SECRET": "e2e-secret-0123456789abcdef01234", "ORGKIT_SUPERADMIN_EMAILS": "boss@example.com"}
	base, stop, _ := startRun(t, []string{"serve"}, env)
	tok := mint(t, env, "--sub", "boss", "--email", "boss@example.com")
	for _, slug := range append([]string{"alpha"}, extra...) {
		if code, body := call(t, "POST", base+"/v1/organizations", tok, map[string]any{"name": "Org", "slug": slug}); code != 201 {
			t.Fatalf("create %s: %d %v", slug, code, body)
		}
	}
	for _, tagline := range []string{"x", "y"} {
		if code, body := call(t, "PATCH", base+"/v1/organizations/1", tok, map[string]any{"tagline": tagline}); code != 200 {
			t.Fatalf("patch: %d %v", code, body)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	store, err := gormstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Logf("close store: %v", err)
		}
	})
	return env, store
}

func TestAuditVerify(t *testing.T) {
	env, store := auditedDB(t, "bravo")
	if out, err := runCmd(t, env, "audit", "verify"); err != nil || !strings.Contains(out, "ok: 4 record(s)") {
		t.Fatalf("intact: %q %v", out, err)
	}
	// An attacker with database access drops the append-only guard and edits record 3.
	for _, stmt := range []string{"DROP TRIGGER orgkit_audit_logs_no_update", "UPDATE orgkit_audit_logs SET changes = '[\"name\"]' WHERE id = 3"} {
		if err := store.Exec(context.Background(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	out, err := runCmd(t, env, "audit", "verify")
	if !errors.Is(err, errAuditBroken) || !strings.Contains(out, "BROKEN at audit record 3") {
		t.Fatalf("tampered: %q %v", out, err)
	}
}

func TestAuditVerify_DetectsRemoval(t *testing.T) {
	env, store := auditedDB(t)
	for _, stmt := range []string{"DROP TRIGGER orgkit_audit_logs_no_delete", "DELETE FROM orgkit_audit_logs WHERE id = 2"} {
		if err := store.Exec(context.Background(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := runCmd(t, env, "audit", "verify"); !errors.Is(err, errAuditBroken) || !strings.Contains(out, "BROKEN at audit record 3") {
		t.Fatalf("removal: %q %v", out, err)
	}
}

// TestDevMode_VaultWorks: serve --dev keeps a vault key beside its token secret.
func TestDevMode_VaultWorks(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": "sqlite:" + filepath.Join(dir, "dev.db"),
		"ORGKIT_DATA_DIR": filepath.Join(dir, "data")}
	base, _, _ := startRun(t, []string{"serve", "--dev"}, env)
	tok := mint(t, env, "--email", devEmail)
	if code, body := call(t, "POST", base+"/v1/organizations", tok, map[string]any{"name": "Dev", "slug": "dev-org"}); code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	if code, body := call(t, "POST", base+"/v1/organizations/1/api-keys", tok, map[string]any{"title": "t", "service": "s", "api_key": "sk_dev"}); code != 201 {
		t.Fatalf("dev vault: %d %v", code, body)
	}
	key, err := os.ReadFile(filepath.Join(dir, "data", devVaultFile))
	if err != nil || !strings.HasPrefix(string(key), "dev:") {
		t.Fatalf("dev vault key: %v", err)
	}
}

// TestTwoReplicasShareRedisLimit: two orgkit processes on one database and one Redis hold
// the reveal limit together: the 11th reveal in a minute is refused whichever serves it.
func TestTwoReplicasShareRedisLimit(t *testing.T) {
	redisURL := testenv.Redis(t)
	d := gormstore.SQLite
	if _, ok := testenv.Optional(t, "ORGKIT_TEST_POSTGRES_DSN"); ok {
		d = gormstore.Postgres
	}
	env := []string{"ORGKIT_HTTP_ADDR=127.0.0.1:0", "ORGKIT_DATABASE_URL=" + gormtest.URL(t, d),
		"ORGKIT_AUTH_HS256_SECRET=e2e-secret-0123456789abcdef01234", "ORGKIT_SUPERADMIN_EMAILS=boss@example.com",
		"ORGKIT_VAULT_KEYS=" + vaultKey(t, "k1"), "ORGKIT_REDIS_URL=" + redisURL,
		"ORGKIT_REDIS_KEY_PREFIX=orgkit-test-" + rand.Text() + ":"}
	bin := buildBinary(t)
	_, a := startBinary(t, bin, env, "serve")
	_, bb := startBinary(t, bin, env, "serve")
	tok := mint(t, map[string]string{"ORGKIT_AUTH_HS256_SECRET": "e2e-secret-0123456789abcdef01234"}, "--sub", "boss", "--email", "boss@example.com")
	if code, _ := call(t, "POST", a+"/v1/organizations", tok, map[string]any{"name": "Acme", "slug": "acme"}); code != 201 {
		t.Fatalf("create: %d", code)
	}
	replicas := []string{a, bb}
	for i := range 10 {
		if code, _ := call(t, "GET", replicas[i%2]+"/v1/organizations/1/api-keys", tok, nil); code != 200 {
			t.Fatalf("reveal %d: %d", i+1, code)
		}
	}
	for _, r := range replicas {
		if code, body := call(t, "GET", r+"/v1/organizations/1/api-keys", tok, nil); code != 429 {
			t.Fatalf("11th reveal on %s: %d %v", r, code, body)
		}
	}
}

// TestRedisDown_FailsClosed: with Redis unreachable the limited endpoints answer 503 and the
// rest of the API keeps working.
func TestRedisDown_FailsClosed(t *testing.T) {
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite),
		"ORGKIT_AUTH_HS256_SECRET": "e2e-secret-0123456789abcdef01234", "ORGKIT_SUPERADMIN_EMAILS": "boss@example.com",
		"ORGKIT_VAULT_KEYS": vaultKey(t, "k1"), "ORGKIT_REDIS_URL": "redis://127.0.0.1:1/0"}
	base, _, stderr := startRun(t, []string{"serve"}, env)
	tok := mint(t, env, "--sub", "boss", "--email", "boss@example.com")
	if code, _ := call(t, "POST", base+"/v1/organizations", tok, map[string]any{"name": "Acme", "slug": "acme"}); code != 201 {
		t.Fatalf("create without redis: %d", code)
	}
	code, body := call(t, "GET", base+"/v1/organizations/1/api-keys", tok, nil)
	if code != 503 || body["error"].(map[string]any)["code"] != "service_unavailable" {
		t.Fatalf("reveal: %d %v", code, body)
	}
	if code, _ := call(t, "POST", base+"/v1/organizations/1/connect-user", tok, map[string]any{"email": "boss@example.com"}); code != 503 {
		t.Fatalf("connect: %d", code)
	}
	if !strings.Contains(stderr.String(), "rate limiter unavailable") || !strings.Contains(stderr.String(), "redis is not reachable") {
		t.Errorf("not logged:\n%s", stderr.String())
	}
}
