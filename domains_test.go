package orgkit_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/internal/testenv"
)

// replica is one orgkit process of several on one database.
func replica(t *testing.T, url string, dns *dnstest.Server, recheck orgkit.RecheckConfig) *orgkit.Kit {
	t.Helper()
	db := poolAt(t, url)
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: db, SuperadminEmails: []string{"ops@example.com"},
		Domains: orgkit.DomainsConfig{Resolvers: []string{dns.Addr()}, LookupTimeout: time.Second, Recheck: recheck}})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// pendingDomains makes an organization with n pending domains whose TXT records are in place.
func pendingDomains(t *testing.T, k *orgkit.Kit, dns *dnstest.Server, n int) []domain.CustomDomain {
	t.Helper()
	ctx := context.Background()
	svc := k.Service()
	p, err := svc.SignIn(ctx, domain.Identity{Subject: "ops", Email: "ops@example.com", EmailVerified: true})
	if err != nil || !p.Superadmin {
		t.Fatalf("sign in: %+v %v", p, err)
	}
	o, err := svc.CreateOrganization(ctx, p, domain.NewOrganization{Name: "Acme", Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	var ds []domain.CustomDomain
	for i := range n {
		d, err := svc.AddDomain(ctx, p, o.ID, app.NewDomain{Name: fmt.Sprintf("d%d.example.com", i), Type: "clinic"})
		if err != nil {
			t.Fatal(err)
		}
		v := svc.VerificationOf(d)
		dns.SetTXT(v.TXTHost, v.TXTValue)
		ds = append(ds, d)
	}
	return ds
}

// Replicas running Kit.Run on one database check each due domain once.
func TestKit_RunChecksEachDueDomainOnceAcrossReplicas(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			url := gormtest.URL(t, d)
			dns := dnstest.Start(t)
			recheck := orgkit.RecheckConfig{PollEvery: 10 * time.Millisecond, PendingEvery: time.Millisecond}
			a, b := replica(t, url, dns, recheck), replica(t, url, dns, recheck)
			if err := a.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			const n = 30
			ds := pendingDomains(t, a, dns, n)

			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, k := range []*orgkit.Kit{a, b} {
				wg.Go(func() { errs[i] = k.Run(ctx) })
			}
			waitVerified(t, a, ds)
			time.Sleep(50 * time.Millisecond) // more ticks: nothing is due any more
			cancel()
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("replica %d: Run: %v", i, err)
				}
			}
			for _, dom := range ds {
				if q := dns.Queries(a.Service().VerificationOf(dom).TXTHost); q != 1 {
					t.Errorf("%s was looked up %d times, want once", dom.Name, q)
				}
			}
			page, err := a.Service().ListAllAuditLogs(context.Background(), domain.Principal{Superadmin: true},
				domain.AuditQuery{Action: domain.AuditDomainVerified, PageSize: 100})
			if err != nil || page.Total != n {
				t.Fatalf("%d domain.verified records, want %d: %v", page.Total, n, err)
			}
		})
	}
}

func waitVerified(t *testing.T, k *orgkit.Kit, ds []domain.CustomDomain) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		all, err := k.Service().ListDomains(context.Background(), domain.Principal{Superadmin: true}, ds[0].OrganizationID)
		if err != nil {
			t.Fatal(err)
		}
		verified := 0
		for _, d := range all {
			if d.Status == domain.DomainVerified {
				verified++
			}
		}
		if verified == len(ds) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d domains verified before the deadline", verified, len(ds))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestKit_RunRecheckDisabled(t *testing.T) {
	url := gormtest.URL(t, gormstore.SQLite)
	dns := dnstest.Start(t)
	k := replica(t, url, dns, orgkit.RecheckConfig{Disabled: true, PollEvery: time.Millisecond, PendingEvery: time.Millisecond})
	if err := k.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ds := pendingDomains(t, k, dns, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := k.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if q := dns.Queries(k.Service().VerificationOf(ds[0]).TXTHost); q != 0 {
		t.Fatalf("a disabled schedule looked up %d times", q)
	}
}

// With Config.Redis, resolve answers live in Redis under RedisKeyPrefix, so replicas share
// them and one replica's change reaches the other's answers at once.
func TestKit_ResolveCacheInRedisIsShared(t *testing.T) {
	ctx := context.Background()
	opt, err := redis.ParseURL(testenv.Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	prefix := "orgkit-test:" + strings.ToLower(rand.Text()[:10]) + ":"
	t.Cleanup(func() { _ = rdb.Del(context.Background(), prefix+"resolve:slug:acme").Err() })

	url := gormtest.URL(t, gormstore.SQLite)
	kit := func() (*orgkit.Kit, *httptest.Server) {
		db, err := gormstore.OpenDB(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if sqlDB, err := db.DB(); err == nil {
				_ = sqlDB.Close()
			}
		})
		k, err := orgkit.New(ctx, orgkit.Config{DB: db, Auth: orgkit.AuthConfig{HS256Secret: secret}, Redis: rdb,
			RedisKeyPrefix: prefix, SuperadminEmails: []string{"root@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		r := gin.New()
		k.Register(r)
		srv := httptest.NewServer(r)
		t.Cleanup(srv.Close)
		return k, srv
	}
	a, srvA := kit()
	_, srvB := kit()
	root := mint(t, "root", "root@example.com")
	if code, body := call(t, srvA, "POST", "/v1/organizations", root, `{"name": "Acme", "slug": "acme"}`); code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	if code, _ := call(t, srvB, "GET", "/v1/public/organizations/resolve?slug=acme", "", ""); code != 200 {
		t.Fatalf("resolve on b: %d", code)
	}
	if n, err := rdb.Exists(ctx, prefix+"resolve:slug:acme").Result(); err != nil || n != 1 {
		t.Fatalf("the answer is not in Redis under the prefix: %d %v", n, err)
	}
	if code, _ := call(t, srvA, "GET", "/v1/public/organizations/resolve?slug=acme", "", ""); code != 200 || a.Service().ResolveStats().Loads != 0 {
		t.Fatalf("a did not answer from b's entry: %d, %+v", code, a.Service().ResolveStats())
	}
	if code, _ := call(t, srvA, "PATCH", "/v1/organizations/1", root, `{"status": "suspended"}`); code != 200 {
		t.Fatalf("suspend on a: %d", code)
	}
	if code, _ := call(t, srvB, "GET", "/v1/public/organizations/resolve?slug=acme", "", ""); code != 404 {
		t.Fatalf("b still resolves the organization a suspended: %d", code)
	}
}
