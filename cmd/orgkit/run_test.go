package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/internal/syncbuf"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/app"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startRun starts run(serve …) in-process and returns its base URL and a stop function
// that cancels the context and returns run's error. Unless env sets ORGKIT_SHUTDOWN_DELAY,
// stopping drains at once.
func startRun(t *testing.T, args []string, env map[string]string) (string, func() error, *syncbuf.Buffer) {
	t.Helper()
	if _, ok := env["ORGKIT_SHUTDOWN_DELAY"]; !ok {
		env["ORGKIT_SHUTDOWN_DELAY"] = "0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, envOf(env), stdout, stderr) }()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			var once sync.Once
			var err error
			stop := func() error { once.Do(func() { cancel(); err = <-done }); return err }
			t.Cleanup(func() {
				if err := stop(); err != nil {
					t.Errorf("serve at cleanup: %v", err)
				}
			})
			return m[1], stop, stderr
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("run exited early: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("server did not start:\n%s", stderr.String())
	return "", nil, nil
}

func call(t *testing.T, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil && err != io.EOF {
		t.Fatalf("%s %s: answer is not JSON: %v", method, url, err)
	}
	return res.StatusCode, out
}

func mint(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), append([]string{"token"}, args...), envOf(env), &out, &errb); err != nil {
		t.Fatalf("token: %v %s", err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

func TestServe_EndToEnd(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			env := map[string]string{
				"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, d),
				"ORGKIT_AUTH_HS256_SECRET": "e2e-secret-0123456789abcdef01234", "ORGKIT_SUPERADMIN_EMAILS": "boss@example.com",
			}
			base, stop, _ := startRun(t, []string{"serve"}, env)
			tok := mint(t, env, "--sub", "boss", "--email", "boss@example.com")
			if code, _ := call(t, "POST", base+"/v1/organizations", tok, map[string]any{"name": "Acme", "slug": "acme"}); code != 201 {
				t.Fatalf("create: %d", code)
			}
			code, list := call(t, "GET", base+"/v1/organizations", tok, nil)
			if code != 200 || fmt.Sprint(list["meta"]) != "map[cursor:<nil> page:1 page_size:25 total:1 total_pages:1]" {
				t.Fatalf("list: %d %v", code, list)
			}
			if data, _ := list["data"].([]any); len(data) != 1 {
				t.Fatalf("list: %d organizations in data, want 1: %v", len(data), list)
			}
			if code, _ := call(t, "GET", base+"/readyz", "", nil); code != 200 {
				t.Fatalf("readyz %d", code)
			}
			if err := stop(); err != nil {
				t.Fatalf("graceful stop: %v", err)
			}
		})
	}
}

func TestServe_GracefulShutdownFinishesInFlight(t *testing.T) {
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite),
		"ORGKIT_AUTH_HS256_SECRET": "e2e-secret-0123456789abcdef01234"}
	base, stop, _ := startRun(t, []string{"serve"}, env)
	tok := mint(t, env, "--sub", "u", "--email", "u@example.com")
	// A request whose body arrives slowly is in flight when shutdown begins.
	pr, pw := io.Pipe()
	req, err := http.NewRequest("PUT", base+"/v1/me/switch-organization", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	result := make(chan int, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("in-flight request: %v", err)
			result <- -1
			return
		}
		res.Body.Close()
		result <- res.StatusCode
	}()
	if _, err := pw.Write([]byte(`{"organization_id":`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(100 * time.Millisecond)
	if _, err := pw.Write([]byte(`999}`)); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	if code := <-result; code != 404 {
		t.Fatalf("in-flight request got %d, want its real answer 404", code)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("stop: %v", err)
	}
}

func TestServe_RefusesWithoutAuth(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"serve"}, envOf(map[string]string{"ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite)}), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "ORGKIT_AUTH_JWKS_URL") || !strings.Contains(err.Error(), "ORGKIT_AUTH_HS256_SECRET") {
		t.Fatalf("got %v", err)
	}
}

func TestServe_DevMode(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": "sqlite:" + filepath.Join(dir, "dev.db"),
		"ORGKIT_DATA_DIR": filepath.Join(dir, "data")}
	base, stop, stderr := startRun(t, []string{"serve", "--dev"}, env)
	if !strings.Contains(stderr.String(), "DEVELOPMENT mode") || !strings.Contains(stderr.String(), "token --email "+devEmail) {
		t.Errorf("no warning or token command:\n%s", stderr.String())
	}
	secret, err := os.ReadFile(filepath.Join(dir, "data", devSecretFile))
	if err != nil || len(strings.TrimSpace(string(secret))) != 64 {
		t.Fatalf("dev secret: %q %v", secret, err)
	}
	info, err := os.Stat(filepath.Join(dir, "data", devSecretFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("dev secret mode %v", info.Mode())
	}
	tok := mint(t, env, "--email", devEmail)
	if code, body := call(t, "POST", base+"/v1/organizations", tok, map[string]any{"name": "Dev Org", "slug": "dev-org"}); code != 201 {
		t.Fatalf("dev superadmin cannot create: %d %v", code, body)
	}
	other := mint(t, env, "--sub", "x", "--email", "x@example.com")
	if code, _ := call(t, "POST", base+"/v1/organizations", other, map[string]any{"name": "X Org", "slug": "x-org"}); code != 403 {
		t.Fatalf("a non-dev user is a superadmin: %d", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	// A restart keeps the same secret, so minted tokens stay valid.
	base, _, _ = startRun(t, []string{"serve", "--dev"}, env)
	if code, _ := call(t, "GET", base+"/v1/me", tok, nil); code != 200 {
		t.Fatalf("token rejected after restart: %d", code)
	}
}

func TestToken_WithoutSecret(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"token", "--sub", "a", "--email", "a@b.co"}, envOf(map[string]string{"ORGKIT_DATA_DIR": t.TempDir()}), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "ORGKIT_AUTH_HS256_SECRET") {
		t.Fatalf("got %v", err)
	}
	err = run(context.Background(), []string{"token", "--sub", "a"}, envOf(map[string]string{"ORGKIT_AUTH_HS256_SECRET": "x"}), &out, &errb)
	if !errors.Is(err, errUsage) {
		t.Fatalf("missing --email: %v", err)
	}
}

func TestMigrateAndSuperadmin(t *testing.T) {
	env := map[string]string{"ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite)}
	runOK := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, envOf(env), &out, &errb); err != nil {
			t.Fatalf("%v: %v %s", args, err, errb.String())
		}
		return out.String()
	}
	if out := runOK("migrate", "status"); !strings.Contains(out, "00001 pending") {
		t.Errorf("status before: %q", out)
	}
	if out := runOK("migrate", "up"); !strings.Contains(out, fmt.Sprintf("applied %d migration", migrationCount(t))) {
		t.Errorf("up: %q", out)
	}
	if out := runOK("migrate", "up"); !strings.Contains(out, "applied 0 migration") {
		t.Errorf("second up: %q", out)
	}
	if out := runOK("migrate", "status"); !strings.Contains(out, "00008 applied") {
		t.Errorf("status after: %q", out)
	}
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"superadmin", "grant", "nobody@example.com"}, envOf(env), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "signed in once") {
		t.Fatalf("grant unknown user: %v", err)
	}

	env["ORGKIT_HTTP_ADDR"], env["ORGKIT_AUTH_HS256_SECRET"] = "127.0.0.1:0", "e2e-secret-0123456789abcdef01234"
	base, _, _ := startRun(t, []string{"serve"}, env)
	tok := mint(t, env, "--sub", "ops", "--email", "ops@example.com")
	if _, me := call(t, "GET", base+"/v1/me", tok, nil); me["data"].(map[string]any)["is_superadmin"] != false {
		t.Fatal("superadmin before grant")
	}
	if out := runOK("superadmin", "grant", "OPS@example.com"); !strings.Contains(out, "superadmin=true") {
		t.Errorf("grant: %q", out)
	}
	// The command is another process: the server's access cache learns of it within its TTL.
	superadmin := func() any {
		_, me := call(t, "GET", base+"/v1/me", tok, nil)
		return me["data"].(map[string]any)["is_superadmin"]
	}
	if !withinAccessTTL(func() bool { return superadmin() == true }) {
		t.Fatal("grant did not take effect")
	}
	runOK("superadmin", "revoke", "ops@example.com")
	if !withinAccessTTL(func() bool { return superadmin() == false }) {
		t.Fatal("revoke did not take effect")
	}
}

// migrationCount is how many migrations a fresh database gets (it grows with each).
func migrationCount(t *testing.T) int {
	t.Helper()
	files, err := gormstore.Migrations(gormstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	all, err := fs.ReadDir(files, ".")
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

// withinAccessTTL reports whether ok holds within the access cache's default TTL (and a
// margin), the bound on how long a server may serve what another process changed.
func withinAccessTTL(ok func() bool) bool {
	deadline := time.Now().Add(app.DefaultAccessCacheTTL + time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

func TestRun_UsageAndHelp(t *testing.T) {
	for _, c := range []struct {
		args []string
		want error
	}{
		{nil, errUsage}, {[]string{"bogus"}, errUsage}, {[]string{"--help"}, flag.ErrHelp},
		{[]string{"serve", "--help"}, flag.ErrHelp}, {[]string{"migrate", "sideways"}, errUsage},
		{[]string{"token", "-h"}, flag.ErrHelp}, {[]string{"superadmin", "grant"}, errUsage},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), c.args, envOf(nil), &out, &errb)
		if !errors.Is(err, c.want) || errb.Len() == 0 {
			t.Errorf("%v: err %v, usage %q", c.args, err, errb.String())
		}
	}
	for err, want := range map[error]int{nil: 0, flag.ErrHelp: 0, errUsage: 2, errors.New("boom"): 1, errAuditBroken: 1} {
		if got := exitCode(err); got != want {
			t.Errorf("exitCode(%v) = %d, want %d", err, got, want)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, envOf(nil), &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "orgkit ") {
		t.Errorf("version: %q %v", out.String(), err)
	}
}

// TestConfig_HelpHidesSecrets: --help shows the documented defaults, not the environment.
func TestConfig_HelpHidesSecrets(t *testing.T) {
	var errb bytes.Buffer
	env := envOf(map[string]string{"ORGKIT_AUTH_HS256_SECRET": "topsecret-value", "ORGKIT_DATABASE_URL": "postgres://u:pw-value@db/x"})
	if err := run(context.Background(), []string{"serve", "--help"}, env, io.Discard, &errb); !errors.Is(err, flag.ErrHelp) {
		t.Fatal(err)
	}
	if strings.Contains(errb.String(), "topsecret-value") || strings.Contains(errb.String(), "pw-value") || !strings.Contains(errb.String(), "sqlite:orgkit.db") {
		t.Fatalf("help:\n%s", errb.String())
	}
}

// TestConfig_FlagsOverrideEnvironment: a flag beats its variable, the variable beats the default.
func TestConfig_FlagsOverrideEnvironment(t *testing.T) {
	var cfg config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	cfg.register(fs)
	env := envOf(map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:9000", "ORGKIT_LOG_LEVEL": "debug", "ORGKIT_RESOLVE_CACHE_TTL": "1m"})
	if err := cfg.parse(fs, []string{"--http-addr", "127.0.0.1:9999"}, env); err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != "127.0.0.1:9999" || cfg.LogLevel != "debug" || cfg.LogFormat != "json" || cfg.ResolveCacheTTL != time.Minute ||
		cfg.DatabaseURL != "sqlite:orgkit.db" || cfg.VerifyPrefix != "_orgkit-verification" || cfg.AuthEmailClaim != "email" {
		t.Fatalf("%+v", cfg)
	}
}

func TestConfig_InvalidValues(t *testing.T) {
	for k, v := range map[string]string{"ORGKIT_RESOLVE_CACHE_TTL": "soon", "ORGKIT_LOG_LEVEL": "loud", "ORGKIT_LOG_FORMAT": "xml", "ORGKIT_DATABASE_URL": "mysql://x",
		"ORGKIT_RESOLVE_NEGATIVE_TTL": "0s", "ORGKIT_DOMAIN_GRACE": "-1h", "ORGKIT_DOMAIN_RECHECK": "maybe", "ORGKIT_DEBUG_ADDR": "0.0.0.0:6060",
		"ORGKIT_DNS_RESOLVERS": "10.0.0.256", "ORGKIT_PLATFORM_DOMAINS": "localhost", "ORGKIT_DOMAIN_TYPES": "Clinic Site",
		"ORGKIT_DOMAIN_VERIFICATION_PREFIX": "a.b", "ORGKIT_SMTP_URL": "ftp://mail.example.com", "ORGKIT_INVITE_URL": "https://app.example.com/join",
		"ORGKIT_ACCESS_CACHE_TTL": "-1s", "ORGKIT_PERSONAL_ORGANIZATIONS": "maybe", "ORGKIT_PUBLIC_URL": "api.example.com", "ORGKIT_BLOB_URL": "gopher://blobs",
		"ORGKIT_METRICS_ADDR": "9090"} {
		env := map[string]string{"ORGKIT_AUTH_HS256_SECRET": "x", "ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite), k: v}
		err := run(context.Background(), []string{"serve"}, envOf(env), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), k[len("ORGKIT_"):]) && !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v, want an error naming it", k, v, err)
		}
	}
}
