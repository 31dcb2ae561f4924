package httpapi_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/httpapi"
	"github.com/orgkit/orgkit/adapters/ratelimit"
	"github.com/orgkit/orgkit/adapters/ratelimit/ratelimittest"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/internal/testenv"
)

// frozenLimiter is a Redis limiter on a Redis that accepts connections and never answers.
func frozenLimiter(t *testing.T) *ratelimit.Redis {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: ratelimittest.FrozenRedis(t)})
	t.Cleanup(func() {
		if err := client.Close(); err != nil {
			t.Logf("close redis client: %v", err)
		}
	})
	return ratelimit.NewRedis(client, "x:")
}

// realRedis is a Redis limiter on ORGKIT_TEST_REDIS_URL.
func realRedis(t *testing.T) *ratelimit.Redis {
	t.Helper()
	opt, err := redis.ParseURL(testenv.Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opt)
	t.Cleanup(func() {
		if err := client.Close(); err != nil {
			t.Logf("close redis client: %v", err)
		}
	})
	return ratelimit.NewRedis(client, fmt.Sprintf("orgkit-test:%d:", time.Now().UnixNano()))
}

// expectUnavailable fails unless r is a 503 service_unavailable that says when to retry.
func expectUnavailable(t *testing.T, r response) {
	t.Helper()
	expect(t, r, 503, "service_unavailable")
	if got := r.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
}

// TestUnavailable_FrozenRedisAnswers503Fast: a limited endpoint whose Redis never answers
// fails closed within well under a second, with Retry-After, and unlimited routes still work.
func TestUnavailable_FrozenRedisAnswers503Fast(t *testing.T) {
	limiter := frozenLimiter(t)
	h := newHarness(t, gormstore.SQLite, func(d *app.Deps) { d.Limiter = limiter })
	org := h.createOrg("acme")
	for _, req := range []struct{ method, path string }{
		{"POST", fmt.Sprintf("/v1/organizations/%d/connect-user", org)},
		{"GET", fmt.Sprintf("/v1/organizations/%d/api-keys", org)},
	} {
		start := time.Now()
		r := h.do(req.method, req.path, rootEmail, map[string]any{"email": rootEmail})
		if took := time.Since(start); took > 700*time.Millisecond {
			t.Errorf("%s %s took %v", req.method, req.path, took)
		}
		expectUnavailable(t, r)
	}
	expect(t, h.do("GET", fmt.Sprintf("/v1/organizations/%d", org), rootEmail, nil), 200, "")
}

// TestUnavailable_DatabaseDownHasRetryAfter: the readiness 503 of a closed database pool
// carries Retry-After too.
func TestUnavailable_DatabaseDownHasRetryAfter(t *testing.T) {
	h := sqlite(t)
	if err := h.store.Close(); err != nil {
		t.Fatal(err)
	}
	expectUnavailable(t, h.do("GET", "/readyz", "", nil))
}

// serveWith makes h serve its service through a router built with opts, logging to h.logs.
func serveWith(t *testing.T, h *harness, opts httpapi.Options) *harness {
	t.Helper()
	opts.Logger = slog.New(slog.NewJSONHandler(h.logs, nil))
	authn, err := newVerifier(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	router, err := httpapi.New(h.svc, authn, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)
	h.router, h.srv = router, srv
	return h
}

// TestReady_NamedChecks: /readyz runs every configured check and names the ones that fail.
func TestReady_NamedChecks(t *testing.T) {
	h := serveWith(t, sqlite(t), httpapi.Options{ReadyChecks: map[string]func(context.Context) error{"redis": realRedis(t).Ping}})
	expect(t, h.do("GET", "/readyz", "", nil), 200, "")

	serveWith(t, h, httpapi.Options{ReadyChecks: map[string]func(context.Context) error{
		"redis": frozenLimiter(t).Ping, "queue": func(context.Context) error { return nil }}})
	start := time.Now()
	r := h.do("GET", "/readyz", "", nil)
	if took := time.Since(start); took > 700*time.Millisecond {
		t.Errorf("readyz took %v on a frozen redis", took)
	}
	expectUnavailable(t, r)
	if msg := r.Body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "redis") || strings.Contains(msg, "queue") || strings.Contains(msg, "database") {
		t.Errorf("message %q should name redis only", msg)
	}
	if logs := h.logs.String(); !strings.Contains(logs, `"check":"redis"`) || !strings.Contains(logs, "deadline exceeded") {
		t.Errorf("the failed check and its cause are not logged:\n%s", logs)
	}
	expect(t, h.do("GET", "/healthz", "", nil), 200, "")
}

// TestReady_Draining: once the process drains, /readyz refuses at once while every other
// route keeps serving.
func TestReady_Draining(t *testing.T) {
	var draining atomic.Bool
	h := serveWith(t, sqlite(t), httpapi.Options{Draining: draining.Load})
	expect(t, h.do("GET", "/readyz", "", nil), 200, "")
	draining.Store(true)
	r := h.do("GET", "/readyz", "", nil)
	expectUnavailable(t, r)
	if msg := r.Body["error"].(map[string]any)["message"]; msg != "shutting down" {
		t.Errorf("message %q", msg)
	}
	expect(t, h.do("GET", "/healthz", "", nil), 200, "")
	expect(t, h.do("GET", "/v1/me", rootEmail, nil), 200, "")
}
