package httpapi_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/adapters/cache"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/internal/testenv"
)

// redisCache is an option that gives the service a Redis resolve cache on
// ORGKIT_TEST_REDIS_URL under a prefix of its own, whose keys are removed after the test.
func redisCache(t *testing.T) option {
	t.Helper()
	opt, err := redis.ParseURL(testenv.Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opt)
	prefix := fmt.Sprintf("orgkit-test:resolve:%d:", time.Now().UnixNano())
	t.Cleanup(func() {
		ctx := context.Background()
		keys, err := client.Keys(ctx, prefix+"*").Result()
		if err != nil {
			t.Errorf("list test keys: %v", err)
		}
		if len(keys) > 0 {
			if err := client.Del(ctx, keys...).Err(); err != nil {
				t.Errorf("delete test keys: %v", err)
			}
		}
		if err := client.Close(); err != nil {
			t.Errorf("close redis client: %v", err)
		}
	})
	return func(d *app.Deps) { d.Cache = cache.NewRedis(client, prefix) }
}

// eachCache runs fn on the in-process cache and on Redis, on every database.
func eachCache(t *testing.T, fn func(t *testing.T, h *harness)) {
	for _, d := range gormtest.Dialects(t) {
		t.Run("memory/"+string(d), func(t *testing.T) { fn(t, newHarness(t, d)) })
		t.Run("redis/"+string(d), func(t *testing.T) { fn(t, newHarness(t, d, redisCache(t))) })
	}
}

// cached resolves twice and fails unless the second answer came from the cache and equals
// the first; it returns the answer.
func (h *harness) cached(param, value string) response {
	h.t.Helper()
	first := h.resolve(param, value)
	hits := h.svc.ResolveStats().Hits
	second := h.resolve(param, value)
	if got := h.svc.ResolveStats().Hits; got != hits+1 {
		h.t.Fatalf("%s=%s: the second resolve was not a cache hit (%d hits, was %d)", param, value, got, hits)
	}
	if first.Status != second.Status || string(first.Raw) != string(second.Raw) {
		h.t.Fatalf("%s=%s: %d %s then %d %s", param, value, first.Status, first.Raw, second.Status, second.Raw)
	}
	return second
}

// TestResolveCache_Invalidation proves each invalidation rule through the API: an answer is
// cached, the change is made, and the very next resolve sees it.
func TestResolveCache_Invalidation(t *testing.T) {
	eachCache(t, func(t *testing.T, h *harness) {
		orgPath := func(id int64) string { return fmt.Sprintf("/v1/organizations/%d", id) }

		t.Run("organization update", func(t *testing.T) {
			h.t = t
			orgID := h.createOrg("renamed")
			h.verifiedDomain(orgID, "renamed.example.com")
			h.cached("slug", "renamed")
			h.cached("domain", "renamed.example.com")
			expect(t, h.do("PATCH", orgPath(orgID), rootEmail, map[string]any{"name": "New Name", "logo_url": "https://cdn.example.com/new.png"}), 200, "")
			want := publicJSON(t, orgID, "New Name", "renamed", "https://cdn.example.com/new.png", nil, nil)
			expectResolved(t, h.resolve("slug", "renamed"), want)
			expectResolved(t, h.resolve("domain", "renamed.example.com"), want)
			expectResolved(t, h.resolve("host", "renamed.orgkit.test"), want)
		})

		t.Run("suspension", func(t *testing.T) {
			h.t = t
			orgID := h.createOrg("suspended")
			h.verifiedDomain(orgID, "suspended.example.com")
			h.cached("slug", "suspended")
			h.cached("domain", "suspended.example.com")
			expect(t, h.do("PATCH", orgPath(orgID), rootEmail, map[string]any{"status": "suspended"}), 200, "")
			expectNotResolved(t, h.resolve("slug", "suspended"))
			expectNotResolved(t, h.resolve("domain", "suspended.example.com"))
			h.cached("slug", "suspended") // the 404 is cached in turn…
			expect(t, h.do("PATCH", orgPath(orgID), rootEmail, map[string]any{"status": "active"}), 200, "")
			expect(t, h.resolve("slug", "suspended"), 200, "") // …and dropped on reactivation
			expect(t, h.resolve("domain", "suspended.example.com"), 200, "")
		})

		t.Run("organization delete", func(t *testing.T) {
			h.t = t
			orgID := h.createOrg("deleted")
			h.verifiedDomain(orgID, "deleted.example.com")
			h.cached("slug", "deleted")
			h.cached("host", "deleted.example.com")
			expect(t, h.do("DELETE", orgPath(orgID), rootEmail, nil), 204, "")
			expectNotResolved(t, h.resolve("slug", "deleted"))
			expectNotResolved(t, h.resolve("domain", "deleted.example.com"))
			expectNotResolved(t, h.resolve("host", "deleted.orgkit.test"))
		})

		t.Run("domain verify drops a negative entry", func(t *testing.T) {
			h.t = t
			orgID := h.createOrg("verifier")
			domainID, token := h.addDomain(orgID, rootEmail, "verify.example.com")
			expectNotResolved(t, h.cached("domain", "verify.example.com"))
			h.dns.SetTXT(txtHost("verify.example.com"), token)
			expect(t, h.do("POST", verifyPath(orgID, domainID), rootEmail, nil), 200, "")
			expect(t, h.resolve("domain", "verify.example.com"), 200, "")
		})

		t.Run("domain delete", func(t *testing.T) {
			h.t = t
			orgID := h.createOrg("undomained")
			domainID := h.verifiedDomain(orgID, "gone.example.com")
			h.cached("domain", "gone.example.com")
			h.cached("host", "gone.example.com:443")
			expect(t, h.do("DELETE", domainPath(orgID, domainID), rootEmail, nil), 204, "")
			expectNotResolved(t, h.resolve("domain", "gone.example.com"))
			expectNotResolved(t, h.resolve("host", "gone.example.com"))
			expect(t, h.resolve("slug", "undomained"), 200, "")
		})

		t.Run("organization create drops a negative entry", func(t *testing.T) {
			h.t = t
			expectNotResolved(t, h.cached("slug", "newcomer"))
			expectNotResolved(t, h.cached("host", "newcomer.orgkit.test"))
			orgID := h.createOrg("newcomer")
			want := publicJSON(t, orgID, "Org newcomer", "newcomer", nil, nil, nil)
			expectResolved(t, h.resolve("slug", "newcomer"), want)
			expectResolved(t, h.resolve("host", "newcomer.orgkit.test"), want)
		})

		t.Run("domain add drops a negative entry", func(t *testing.T) {
			h.t = t
			orgID := h.createOrg("adder")
			expectNotResolved(t, h.cached("domain", "added.example.com"))
			domainID, token := h.addDomain(orgID, rootEmail, "added.example.com")
			expectNotResolved(t, h.resolve("domain", "added.example.com")) // pending
			h.dns.SetTXT(txtHost("added.example.com"), token)
			expect(t, h.do("POST", verifyPath(orgID, domainID), rootEmail, nil), 200, "")
			expect(t, h.resolve("domain", "added.example.com"), 200, "")
		})
	})
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestResolveCache_RedisUnreachable: resolve answers from the database when its Redis is
// down, refused or closed, and changes still show at once.
func TestResolveCache_RedisUnreachable(t *testing.T) {
	for _, c := range []struct {
		name   string
		client func(t *testing.T) *redis.Client
	}{
		{"connection refused", func(t *testing.T) *redis.Client {
			client := redis.NewClient(&redis.Options{Addr: closedAddr(t), DialTimeout: 200 * time.Millisecond, MaxRetries: -1, DialerRetries: 1})
			t.Cleanup(func() {
				if err := client.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			return client
		}},
		{"closed client", func(t *testing.T) *redis.Client {
			client := redis.NewClient(&redis.Options{Addr: closedAddr(t)})
			if err := client.Close(); err != nil {
				t.Fatal(err)
			}
			return client
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			client := c.client(t)
			h := newHarness(t, "sqlite", func(d *app.Deps) { d.Cache = cache.NewRedis(client, "down:") })
			orgID := h.createOrg("acme")
			h.verifiedDomain(orgID, "acme.example.com")
			want := publicJSON(t, orgID, "Org acme", "acme", nil, nil, nil)
			for range 3 {
				start := time.Now()
				expectResolved(t, h.resolve("slug", "acme"), want)
				expectResolved(t, h.resolve("domain", "acme.example.com"), want)
				if took := time.Since(start); took > time.Second {
					t.Errorf("resolve took %v with Redis down", took)
				}
			}
			expectNotResolved(t, h.resolve("slug", "nobody"))
			expect(t, h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", orgID), rootEmail, map[string]any{"name": "Acme Down"}), 200, "")
			expectResolved(t, h.resolve("slug", "acme"), publicJSON(t, orgID, "Acme Down", "acme", nil, nil, nil))
			if st := h.svc.ResolveStats(); st.Errors == 0 || st.Hits != 0 {
				t.Errorf("stats %+v: want cache errors and no hits", st)
			}
		})
	}
}
