package orgkit_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/internal/testenv"
)

// replicas are two Kits serving one Postgres (and one Redis when rdb is set), each running
// Run so that invalidations travel between them.
type replicas struct {
	a, b       *orgkit.Kit
	srvA, srvB *httptest.Server
}

func startReplicas(t *testing.T, rdb *redis.Client, prefix string, ttl time.Duration) replicas {
	t.Helper()
	url := gormtest.URL(t, gormstore.Postgres)
	start := func() (*orgkit.Kit, *httptest.Server) {
		db := poolAt(t, url)
		cfg := orgkit.Config{DB: db, Auth: orgkit.AuthConfig{HS256Secret: secret}, RedisKeyPrefix: prefix,
			SuperadminEmails: []string{"root@example.com"}, AccessCache: orgkit.AccessCacheConfig{TTL: ttl},
			Domains: orgkit.DomainsConfig{Recheck: orgkit.RecheckConfig{Disabled: true}}}
		if rdb != nil {
			cfg.Redis = rdb
		}
		k, err := orgkit.New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = k.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		r := gin.New()
		k.Register(r)
		srv := httptest.NewServer(r)
		t.Cleanup(srv.Close)
		return k, srv
	}
	var rs replicas
	rs.a, rs.srvA = start()
	rs.b, rs.srvB = start()
	if rdb != nil { // a message published before a replica subscribed would be lost
		waitSubscribers(t, rdb, prefix+"invalidate", 2)
	}
	return rs
}

func waitSubscribers(t *testing.T, rdb *redis.Client, channel string, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := rdb.PubSubNumSub(context.Background(), channel).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got[channel] >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers of %s, want %d", got[channel], channel, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// accessCase is one way of losing access: setup gives user the access read checks, revoke
// takes it away through replica a.
type accessCase struct {
	name   string
	setup  func(t *testing.T, rs replicas, orgID, userID int64)
	read   func(orgID int64) string // the path user reads
	revoke func(t *testing.T, rs replicas, orgID, userID int64)
}

var accessCases = []accessCase{
	{
		name:  "removed member",
		setup: func(t *testing.T, rs replicas, orgID, userID int64) { addMember(t, rs, orgID, userID, "member") },
		read:  func(orgID int64) string { return fmt.Sprintf("/v1/organizations/%d", orgID) },
		revoke: func(t *testing.T, rs replicas, orgID, userID int64) {
			expect(t, rs.srvA, "DELETE", fmt.Sprintf("/v1/organizations/%d/members/%d", orgID, userID), "", 204)
		},
	},
	{
		name:  "demoted admin",
		setup: func(t *testing.T, rs replicas, orgID, userID int64) { addMember(t, rs, orgID, userID, "admin") },
		read:  func(orgID int64) string { return fmt.Sprintf("/v1/organizations/%d/audit-logs", orgID) },
		revoke: func(t *testing.T, rs replicas, orgID, userID int64) {
			expect(t, rs.srvA, "PATCH", fmt.Sprintf("/v1/organizations/%d/members/%d", orgID, userID), `{"role": "member"}`, 200)
		},
	},
	{
		name:  "suspended organization",
		setup: func(t *testing.T, rs replicas, orgID, userID int64) { addMember(t, rs, orgID, userID, "owner") },
		read:  func(orgID int64) string { return fmt.Sprintf("/v1/organizations/%d", orgID) },
		revoke: func(t *testing.T, rs replicas, orgID, _ int64) {
			expect(t, rs.srvA, "PATCH", fmt.Sprintf("/v1/organizations/%d", orgID), `{"status": "suspended"}`, 200)
		},
	},
	{
		name: "revoked superadmin",
		setup: func(t *testing.T, rs replicas, _, _ int64) {
			if _, err := rs.a.Service().SetSuperadmin(context.Background(), "user@example.com", true); err != nil {
				t.Fatal(err)
			}
		},
		read: func(orgID int64) string { return fmt.Sprintf("/v1/organizations/%d", orgID) },
		revoke: func(t *testing.T, rs replicas, _, _ int64) {
			if _, err := rs.a.Service().SetSuperadmin(context.Background(), "user@example.com", false); err != nil {
				t.Fatal(err)
			}
		},
	},
}

func addMember(t *testing.T, rs replicas, orgID, userID int64, role string) {
	t.Helper()
	if role == "owner" { // only owners give owner: the superadmin connects, then promotes
		addMember(t, rs, orgID, userID, "admin")
		expect(t, rs.srvA, "PATCH", fmt.Sprintf("/v1/organizations/%d/members/%d", orgID, userID), `{"role": "owner"}`, 200)
		return
	}
	expect(t, rs.srvA, "POST", fmt.Sprintf("/v1/organizations/%d/members", orgID), fmt.Sprintf(`{"user_id": %d, "role": %q}`, userID, role), 201)
}

func expect(t *testing.T, srv *httptest.Server, method, path, body string, want int) map[string]any {
	t.Helper()
	code, out := call(t, srv, method, path, mint(t, "root", "root@example.com"), body)
	if code != want {
		t.Fatalf("%s %s: %d %v, want %d", method, path, code, out, want)
	}
	return out
}

// TestKit_AccessCacheAcrossReplicas proves the four ways of losing access on two replicas:
// at once on the replica that made the change, and on the other one through Redis pub/sub
// (with a TTL far too long to explain it), or within the TTL when there is no Redis.
func TestKit_AccessCacheAcrossReplicas(t *testing.T) {
	opt, err := redis.ParseURL(testenv.Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	for _, setup := range []struct {
		name   string
		rdb    *redis.Client
		ttl    time.Duration
		within time.Duration // how soon replica b must refuse
	}{
		{"redis", rdb, time.Hour, 3 * time.Second},
		{"ttl only", nil, 500 * time.Millisecond, 500*time.Millisecond + time.Second},
	} {
		t.Run(setup.name, func(t *testing.T) {
			prefix := "orgkit-test:" + strings.ToLower(rand.Text()[:10]) + ":"
			rs := startReplicas(t, setup.rdb, prefix, setup.ttl)
			for _, c := range accessCases {
				t.Run(c.name, func(t *testing.T) {
					slug := strings.ToLower(rand.Text()[:12])
					org := expect(t, rs.srvA, "POST", "/v1/organizations", fmt.Sprintf(`{"name": "Acme", "slug": %q}`, slug), 201)
					orgID := int64(org["data"].(map[string]any)["id"].(float64))
					user := mint(t, "user", "user@example.com")
					code, me := call(t, rs.srvA, "GET", "/v1/me", user, "")
					if code != 200 {
						t.Fatalf("me: %d %v", code, me)
					}
					userID := int64(me["data"].(map[string]any)["id"].(float64))
					c.setup(t, rs, orgID, userID)
					path := c.read(orgID)
					for _, srv := range []*httptest.Server{rs.srvA, rs.srvB, rs.srvA, rs.srvB} { // warm both caches
						if !eventually(setup.within, func() bool { code, _ := call(t, srv, "GET", path, user, ""); return code == 200 }) {
							t.Fatalf("before: GET %s is not 200", path)
						}
					}
					c.revoke(t, rs, orgID, userID)
					if code, body := call(t, rs.srvA, "GET", path, user, ""); code != 403 {
						t.Fatalf("the replica that made the change still answers %d %v", code, body)
					}
					start := time.Now()
					if !eventually(setup.within, func() bool { code, _ := call(t, rs.srvB, "GET", path, user, ""); return code == 403 }) {
						_, body := call(t, rs.srvB, "GET", path, user, "")
						t.Fatalf("the other replica still allows GET %s after %v: %v", path, setup.within, body)
					}
					t.Logf("the other replica refused after %v", time.Since(start).Round(time.Millisecond))
				})
			}
		})
	}
}

// eventually reports whether ok holds within d.
func eventually(d time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}
