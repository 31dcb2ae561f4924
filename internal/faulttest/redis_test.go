package faulttest

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/orgkit/orgkit/internal/testproc"
)

// TestFaults_RedisStopped: with Redis stopped, resolve keeps answering from the database
// (changes made meanwhile included), rate-limited endpoints fail closed with 503
// service_unavailable at once, and everything works again once Redis is back, without
// restarting orgkit.
func TestFaults_RedisStopped(t *testing.T) {
	t.Parallel()
	redis := testproc.StartRedis(t)
	k := startOrgkit(t, "ORGKIT_REDIS_URL="+redis.URL,
		"ORGKIT_DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "orgkit.db"))
	tok := k.token("root", superadmin)
	acme := k.call("POST", "/v1/organizations", tok, map[string]any{"name": "Acme", "slug": "acme"})
	expect(t, acme, http.StatusCreated, "")
	expect(t, k.call("POST", "/v1/organizations", tok, map[string]any{"name": "Beta", "slug": "beta"}), http.StatusCreated, "")
	resolve := func(slug string) reply { return k.call("GET", "/v1/public/organizations/resolve?slug="+slug, "", nil) }
	expect(t, resolve("acme"), http.StatusOK, "") // cached in Redis now
	keys := fmt.Sprintf("/v1/organizations/%d/api-keys", acme.id())
	expect(t, k.call("GET", keys, tok, nil), http.StatusOK, "")
	expect(t, k.call("GET", "/readyz", "", nil), http.StatusOK, "")

	redis.Stop(t)
	expect(t, k.call("PATCH", fmt.Sprintf("/v1/organizations/%d", acme.id()), tok, map[string]any{"name": "Acme Renamed"}), http.StatusOK, "")
	if r := resolve("acme"); r.status != http.StatusOK || r.body["data"].(map[string]any)["name"] != "Acme Renamed" {
		t.Errorf("resolve of a changed organization, Redis down: %d %v", r.status, r.body)
	}
	expect(t, resolve("beta"), http.StatusOK, "")
	expect(t, resolve("nobody"), http.StatusNotFound, "organization_not_found")
	start := time.Now()
	expectUnavailable(t, k.call("GET", keys, tok, nil))
	expectUnavailable(t, k.call("POST", fmt.Sprintf("/v1/organizations/%d/connect-user", acme.id()), tok, map[string]any{"email": superadmin}))
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("failing closed took %v", took)
	}
	expectUnavailable(t, k.call("GET", "/readyz", "", nil))

	redis.Start(t)
	eventually(t, 15*time.Second, "rate-limited endpoint after Redis is back", func() error {
		if r := k.call("GET", keys, tok, nil); r.status != http.StatusOK {
			return fmt.Errorf("%d %v", r.status, r.body)
		}
		return nil
	})
	expect(t, k.call("GET", "/readyz", "", nil), http.StatusOK, "")
	if r := resolve("acme"); r.status != http.StatusOK || r.body["data"].(map[string]any)["name"] != "Acme Renamed" {
		t.Errorf("resolve after Redis is back: %d %v", r.status, r.body)
	}
}
