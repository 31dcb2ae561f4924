package orgkit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

// replica is one orgkit process of several on one database.
func replica(t *testing.T, url string, dns *dnstest.Server, recheck orgkit.RecheckConfig) *orgkit.Kit {
	t.Helper()
	db, err := gormstore.OpenDB(context.Background(), url, gormstore.WithMaxConns(4))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
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
