package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

const (
	benchEmail   = "bench@example.com"
	benchSlug    = "acme"
	benchDomain  = "clinic.example.com"
	resolvePath  = "/v1/public/organizations/resolve"
	startTimeout = 60 * time.Second
)

// orgkit is the running `orgkit serve` under test.
type orgkit struct {
	*process
	bin       string
	env       []string
	base      string // http://host:port of the API
	debugBase string // http://host:port of ORGKIT_DEBUG_ADDR
}

// serverEnv is the defaults (in-process cache and limiter, ORGKIT_DB_MAX_CONNS' pool) on
// databaseURL, with the access log off: at ORGKIT_LOG_LEVEL=warn, as a production deployment
// would run a hot public endpoint, the server writes nothing per request. Domain re-checks
// are off so no background query lands between two /debug/vars readings.
func serverEnv(dir, databaseURL, dnsAddr, httpAddr, debugAddr string, negativeTTL time.Duration) ([]string, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	return append(baseEnv(),
		"ORGKIT_HTTP_ADDR="+httpAddr,
		"ORGKIT_DATABASE_URL="+databaseURL,
		"ORGKIT_AUTH_HS256_SECRET="+hex.EncodeToString(secret),
		"ORGKIT_SUPERADMIN_EMAILS="+benchEmail,
		"ORGKIT_DNS_RESOLVERS="+dnsAddr,
		"ORGKIT_DEBUG_ADDR="+debugAddr,
		"ORGKIT_LOG_LEVEL=warn",
		"ORGKIT_DOMAIN_RECHECK=false",
		"ORGKIT_RESOLVE_NEGATIVE_TTL="+negativeTTL.String(),
		// Keep the data directory (blobs, dev secrets) out of the working tree, and stop at
		// once: the benchmark sends nothing while the server drains.
		"ORGKIT_DATA_DIR="+filepath.Join(dir, "data"),
		"ORGKIT_SHUTDOWN_DELAY=0s",
	), nil
}

// startOrgkit starts `orgkit serve` on databaseURL in dir (it migrates the database) and
// waits until /readyz answers 200.
func startOrgkit(ctx context.Context, bin, dir, databaseURL, dnsAddr string, negativeTTL time.Duration) (*orgkit, error) {
	httpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	debugAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env, err := serverEnv(dir, databaseURL, dnsAddr, httpAddr, debugAddr, negativeTTL)
	if err != nil {
		return nil, err
	}
	p, err := start("orgkit serve", dir, bin, env, "serve")
	if err != nil {
		return nil, err
	}
	o := &orgkit{process: p, bin: bin, env: env, base: "http://" + httpAddr, debugBase: "http://" + debugAddr}
	if err := waitHTTP(ctx, p, o.base+"/readyz", startTimeout); err != nil {
		p.stop(5 * time.Second)
		return nil, err
	}
	return o, nil
}

// token mints a token of a verified email with the binary itself, as an operator would.
func (o *orgkit) token(ctx context.Context, sub, email string) (string, error) {
	cmd := exec.CommandContext(ctx, o.bin, "token", "--sub", sub, "--email", email, "--email-verified")
	cmd.Env = o.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("orgkit token: %w: %s", err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// call sends a JSON request and decodes a JSON answer into out, insisting on want.
func (o *orgkit) call(ctx context.Context, method, path, token string, body, out any, want int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, o.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: %w: %s", method, path, err, raw)
	}
	return nil
}

// resolveStats is /debug/vars' "resolve": what resolve did since the server started.
type resolveStats struct {
	Hits, Loads, Errors int64
}

func (s resolveStats) minus(t resolveStats) resolveStats {
	return resolveStats{Hits: s.Hits - t.Hits, Loads: s.Loads - t.Loads, Errors: s.Errors - t.Errors}
}

func (o *orgkit) stats(ctx context.Context) (resolveStats, error) {
	var vars struct {
		Resolve *resolveStats `json:"resolve"`
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.debugBase+"/debug/vars", nil)
	if err != nil {
		return resolveStats{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return resolveStats{}, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&vars); err != nil || vars.Resolve == nil {
		return resolveStats{}, fmt.Errorf("/debug/vars: want {\"resolve\": {…}}: %v", err)
	}
	return *vars.Resolve, nil
}

// get fetches path without credentials: status, Content-Type and body.
func (o *orgkit) get(ctx context.Context, path string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.base+path, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body, err
}
