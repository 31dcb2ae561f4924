package app_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

var public = domain.PublicOrganization{ID: 10, Name: "Acme", Slug: "acme"}

func TestResolve_HitNeedsNoDatabase(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	d.cache.EXPECT().Get(gomock.Any(), "slug:acme").Return(ports.ResolveEntry{Org: &public}, true, nil)
	got, err := d.svc.ResolveSlug(context.Background(), "ACME")
	if err != nil || got != public {
		t.Fatalf("%+v %v", got, err)
	}
	d.cache.EXPECT().Get(gomock.Any(), "domain:clinic.example.com").Return(ports.ResolveEntry{}, true, nil)
	if _, err := d.svc.ResolveDomain(context.Background(), "Clinic.Example.com."); !errors.Is(err, domain.ErrOrganizationNotFound) {
		t.Fatalf("a negative entry: %v", err)
	}
	if s := d.svc.ResolveStats(); s.Hits != 2 || s.Loads != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestResolve_MissLoadsAndCaches(t *testing.T) {
	d := newDeps(t, app.Config{Resolve: app.ResolveConfig{TTL: time.Minute, NegativeTTL: 5 * time.Second}}, withDNSAndCache)
	d.cache.EXPECT().Get(gomock.Any(), gomock.Any()).Return(ports.ResolveEntry{}, false, nil).Times(2)
	d.store.orgs.EXPECT().PublicBySlug(gomock.Any(), "acme").Return(public, nil)
	d.cache.EXPECT().Set(gomock.Any(), "slug:acme", ports.ResolveEntry{Org: &public}, time.Minute).Return(nil)
	if got, err := d.svc.ResolveSlug(context.Background(), "acme"); err != nil || got != public {
		t.Fatalf("%+v %v", got, err)
	}
	d.store.doms.EXPECT().PublicOrganization(gomock.Any(), "nope.example.com").Return(domain.PublicOrganization{}, domain.ErrOrganizationNotFound)
	d.cache.EXPECT().Set(gomock.Any(), "domain:nope.example.com", ports.ResolveEntry{}, 5*time.Second).Return(nil)
	if _, err := d.svc.ResolveDomain(context.Background(), "nope.example.com"); !errors.Is(err, domain.ErrOrganizationNotFound) {
		t.Fatalf("%v", err)
	}
}

func TestResolve_ConcurrentMissesMakeOneQuery(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	const n = 20
	d.cache.EXPECT().Get(gomock.Any(), "slug:acme").Return(ports.ResolveEntry{}, false, nil).Times(n)
	started, release := make(chan struct{}), make(chan struct{})
	d.store.orgs.EXPECT().PublicBySlug(gomock.Any(), "acme").DoAndReturn(func(context.Context, string) (domain.PublicOrganization, error) {
		close(started)
		<-release
		return public, nil
	})
	d.cache.EXPECT().Set(gomock.Any(), "slug:acme", gomock.Any(), gomock.Any()).Return(nil)
	var wg sync.WaitGroup
	errs := make([]error, n)
	wg.Go(func() { _, errs[0] = d.svc.ResolveSlug(context.Background(), "acme") })
	<-started
	for i := 1; i < n; i++ {
		wg.Go(func() { _, errs[i] = d.svc.ResolveSlug(context.Background(), "acme") })
	}
	time.Sleep(50 * time.Millisecond) // let the others join the flight
	close(release)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
	if s := d.svc.ResolveStats(); s.Loads != 1 {
		t.Fatalf("%d loads, want 1", s.Loads)
	}
}

// An answer loaded while a change was being invalidated may predate the change: it is
// returned but not cached.
func TestResolve_LoadRacingAnInvalidationIsNotCached(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	d.cache.EXPECT().Get(gomock.Any(), "slug:acme").Return(ports.ResolveEntry{}, false, nil)
	d.store.orgs.EXPECT().PublicBySlug(gomock.Any(), "acme").DoAndReturn(func(context.Context, string) (domain.PublicOrganization, error) {
		// An organization update commits and invalidates while this load runs.
		d.tx.orgs.EXPECT().GetForUpdate(gomock.Any(), int64(10)).Return(org, nil)
		d.tx.mems.EXPECT().Role(gomock.Any(), int64(10), int64(1)).Return(domain.Role(""), nil)
		d.tx.orgs.EXPECT().Update(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, o domain.Organization, _ []string) (domain.Organization, error) { return o, nil })
		d.tx.doms.EXPECT().List(gomock.Any(), int64(10)).Return(nil, nil)
		d.audited(domain.AuditOrganizationUpdated, nil)
		d.cache.EXPECT().Delete(gomock.Any(), "slug:acme").Return(nil)
		if _, err := d.svc.UpdateOrganization(context.Background(), super, 10, domain.OrganizationPatch{Name: domain.Some("Acme 2")}); err != nil {
			t.Error(err)
		}
		return public, nil
	})
	// No Set is expected.
	if _, err := d.svc.ResolveSlug(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
}

// A failing cache never fails resolve, and is left alone for a moment instead of costing
// every request a timeout.
func TestResolve_CacheFailureFallsBackToTheDatabase(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	d.cache.EXPECT().Get(gomock.Any(), "slug:acme").Return(ports.ResolveEntry{}, false, errors.New("redis: connection refused"))
	d.store.orgs.EXPECT().PublicBySlug(gomock.Any(), "acme").Return(public, nil).Times(3)
	for range 3 {
		if got, err := d.svc.ResolveSlug(context.Background(), "acme"); err != nil || got != public {
			t.Fatalf("%+v %v", got, err)
		}
	}
	if s := d.svc.ResolveStats(); s.Errors != 1 || s.Loads != 3 {
		t.Fatalf("stats %+v", s)
	}
}

func TestResolve_DatabaseErrorIsNotCached(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	d.cache.EXPECT().Get(gomock.Any(), "slug:acme").Return(ports.ResolveEntry{}, false, nil)
	boom := errors.New("connection reset")
	d.store.orgs.EXPECT().PublicBySlug(gomock.Any(), "acme").Return(domain.PublicOrganization{}, boom)
	if _, err := d.svc.ResolveSlug(context.Background(), "acme"); !errors.Is(err, boom) {
		t.Fatalf("%v", err)
	}
}

func TestResolveHost(t *testing.T) {
	d := newDeps(t, app.Config{Domains: app.DomainsConfig{PlatformDomains: []string{"Orgkit.App."}}}, withDNSAndCache)
	d.cache.EXPECT().Get(gomock.Any(), "slug:acme").Return(ports.ResolveEntry{Org: &public}, true, nil)
	if got, err := d.svc.ResolveHost(context.Background(), "ACME.orgkit.app:8443"); err != nil || got != public {
		t.Fatalf("platform host: %+v %v", got, err)
	}
	d.cache.EXPECT().Get(gomock.Any(), "domain:clinic.example.com").Return(ports.ResolveEntry{Org: &public}, true, nil)
	if _, err := d.svc.ResolveHost(context.Background(), "clinic.example.com"); err != nil {
		t.Fatalf("custom domain: %v", err)
	}
	for _, host := range []string{"orgkit.app", "a.b.orgkit.app", "x.orgkit.app", "-bad-.orgkit.app", "", "127.0.0.1:80"} {
		if _, err := d.svc.ResolveHost(context.Background(), host); !errors.Is(err, domain.ErrOrganizationNotFound) {
			t.Errorf("%q: %v, want organization_not_found without a query", host, err)
		}
	}
}

// An invalidation deletes its keys again a moment later: a replica that read the database
// before the commit may have written its old answer back after the first delete.
func TestInvalidate_DeletesAgainLater(t *testing.T) {
	d := newDeps(t, app.Config{Resolve: app.ResolveConfig{RedeleteAfter: 20 * time.Millisecond}}, withDNSAndCache)
	d.tx.role(10, 2, domain.RoleAdmin)
	d.tx.doms.EXPECT().Get(gomock.Any(), int64(10), int64(5)).Return(pendingDomain, nil)
	d.tx.doms.EXPECT().Delete(gomock.Any(), int64(10), int64(5)).Return(nil)
	d.audited(domain.AuditDomainDeleted, nil)
	twice := make(chan struct{})
	first := d.cache.EXPECT().Delete(gomock.Any(), "domain:clinic.example.com").Return(nil)
	d.cache.EXPECT().Delete(gomock.Any(), "domain:clinic.example.com").After(first).DoAndReturn(func(context.Context, ...string) error {
		close(twice)
		return nil
	})
	if err := d.svc.DeleteDomain(context.Background(), member, 10, 5); err != nil {
		t.Fatal(err)
	}
	select {
	case <-twice:
	case <-time.After(5 * time.Second):
		t.Fatal("no second delete")
	}
}

// An invalidation that lands between a load's generation check and its write is caught by
// the check after the write, which drops the entry again.
func TestResolve_InvalidationDuringTheWriteDropsIt(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	d.cache.EXPECT().Get(gomock.Any(), "slug:acme").Return(ports.ResolveEntry{}, false, nil)
	d.store.orgs.EXPECT().PublicBySlug(gomock.Any(), "acme").Return(public, nil)
	set := d.cache.EXPECT().Set(gomock.Any(), "slug:acme", gomock.Any(), gomock.Any()).DoAndReturn(func(context.Context, string, ports.ResolveEntry, time.Duration) error {
		d.cache.EXPECT().Delete(gomock.Any(), "slug:acme").Return(nil) // the creating use case's invalidation
		d.tx.orgs.EXPECT().Create(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, o domain.Organization) (domain.Organization, error) { o.ID = 11; return o, nil })
		d.tx.mems.EXPECT().Create(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, m domain.Membership) (domain.Membership, error) { return m, nil })
		d.tx.users.EXPECT().SetCurrentOrganizationIfUnset(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil)
		d.audited(domain.AuditOrganizationCreated, nil)
		if _, err := d.svc.CreateOrganization(context.Background(), super, newOrg); err != nil {
			t.Error(err)
		}
		return nil
	})
	d.cache.EXPECT().Delete(gomock.Any(), "slug:acme").After(set).Return(nil) // the load's own drop
	if _, err := d.svc.ResolveSlug(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
}
