package main

import (
	"strings"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/adapters/ratelimit/ratelimittest"
	"github.com/orgkit/orgkit/internal/testenv"
)

// TestServe_ReadyzReportsRedis: with ORGKIT_REDIS_URL set, /readyz checks Redis too: ready
// on a live Redis, a fast 503 naming redis on one that never answers.
func TestServe_ReadyzReportsRedis(t *testing.T) {
	live := testenv.Redis(t)
	for name, c := range map[string]struct {
		url  string
		code int
	}{
		"live":   {live, 200},
		"frozen": {"redis://" + ratelimittest.FrozenRedis(t) + "/0", 503},
	} {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite),
				"ORGKIT_AUTH_HS256_SECRET": "e2e-secret-0123456789abcdef01234", "ORGKIT_REDIS_URL": c.url}
			base, _, _ := startRun(t, []string{"serve"}, env)
			start := time.Now()
			code, hdr, body := request(t, "GET", base+"/readyz", "", nil)
			if took := time.Since(start); code != c.code || took > time.Second {
				t.Fatalf("readyz: %d %v after %v, want %d within a second", code, body, took, c.code)
			}
			if code == 503 {
				msg, _ := body["error"].(map[string]any)["message"].(string)
				if !strings.Contains(msg, "redis") || strings.Contains(msg, "database") || hdr.Get("Retry-After") != "1" {
					t.Errorf("readyz: %v Retry-After=%q", body, hdr.Get("Retry-After"))
				}
			}
		})
	}
}
