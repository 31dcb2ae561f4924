package gormstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

func newDomain(t *testing.T, orgID int64, name string) domain.CustomDomain {
	t.Helper()
	d, err := domain.NewCustomDomain(orgID, name, "clinic", domain.DefaultDomainTypes, nil, "tok-"+name, t0, domain.DefaultDomainSchedule())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustAddDomain(t *testing.T, r ports.DomainRepo, d domain.CustomDomain) domain.CustomDomain {
	t.Helper()
	out, err := r.Create(context.Background(), d)
	if err != nil {
		t.Fatalf("create domain %s: %v", d.Name, err)
	}
	return out
}

func verified(d domain.CustomDomain, at time.Time) domain.CustomDomain {
	v, _ := d.Checked("", at, true, domain.DefaultDomainSchedule())
	return v
}

func TestDomainRepo_CRUD(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		a, b := mustCreate(t, s.Organizations(), newOrg("acme")), mustCreate(t, s.Organizations(), newOrg("beta"))
		d := mustAddDomain(t, s.Domains(), newDomain(t, a.ID, "clinic.example.com"))
		mustAddDomain(t, s.Domains(), newDomain(t, a.ID, "portal.example.com"))
		if _, err := s.Domains().Create(ctx, newDomain(t, a.ID, "clinic.example.com")); !errors.Is(err, domain.ErrDomainExists) {
			t.Fatalf("second add by the same organization: %v", err)
		}
		mustAddDomain(t, s.Domains(), newDomain(t, b.ID, "clinic.example.com")) // another organization may add it
		if _, err := s.Domains().Create(ctx, newDomain(t, a.ID+b.ID+100, "x.example.com")); !errors.Is(err, domain.ErrOrganizationNotFound) {
			t.Fatalf("unknown organization: %v", err)
		}

		got, err := s.Domains().Get(ctx, a.ID, d.ID)
		if err != nil || got.Name != "clinic.example.com" || got.Status != domain.DomainPending || got.VerificationToken != "tok-clinic.example.com" ||
			!got.NextCheckAt.Equal(*d.NextCheckAt) || !got.RetryUntil.Equal(*d.RetryUntil) || got.VerifiedAt != nil || got.FailureReason != nil {
			t.Fatalf("round trip: %+v %v", got, err)
		}
		if _, err := s.Domains().Get(ctx, b.ID, d.ID); !errors.Is(err, domain.ErrDomainNotFound) {
			t.Fatalf("a domain of another organization: %v", err)
		}
		list, err := s.Domains().List(ctx, a.ID)
		if err != nil || len(list) != 2 || list[0].ID != d.ID {
			t.Fatalf("list: %+v %v", list, err)
		}
		byName, err := s.Domains().ByName(ctx, "clinic.example.com")
		if err != nil || len(byName) != 2 {
			t.Fatalf("by name: %+v %v", byName, err)
		}

		failed, _ := got.Checked(domain.FailureValueMismatch, t0.Add(time.Minute), true, domain.DefaultDomainSchedule())
		if _, err := s.Domains().Update(ctx, failed); err != nil {
			t.Fatal(err)
		}
		got, err = s.Domains().Get(ctx, a.ID, d.ID)
		if err != nil || got.Status != domain.DomainFailed || *got.FailureReason != domain.FailureValueMismatch || !got.LastCheckAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("after a failed check: %+v %v", got, err)
		}
		if err := s.Domains().Delete(ctx, b.ID, d.ID); !errors.Is(err, domain.ErrDomainNotFound) {
			t.Fatalf("delete through another organization: %v", err)
		}
		if err := s.Domains().Delete(ctx, a.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Domains().Update(ctx, failed); !errors.Is(err, domain.ErrDomainNotFound) {
			t.Fatalf("update of a deleted domain: %v", err)
		}
	})
}

func TestDomainRepo_OneVerifiedPerName(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		a, b := mustCreate(t, s.Organizations(), newOrg("acme")), mustCreate(t, s.Organizations(), newOrg("beta"))
		da := mustAddDomain(t, s.Domains(), newDomain(t, a.ID, "clinic.example.com"))
		db := mustAddDomain(t, s.Domains(), newDomain(t, b.ID, "clinic.example.com"))
		if _, err := s.Domains().Update(ctx, verified(da, t0)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Domains().Update(ctx, verified(db, t0)); !errors.Is(err, domain.ErrDomainTaken) {
			t.Fatalf("verifying a name another organization verified: %v", err)
		}
		if _, err := s.Domains().Update(ctx, verified(da, t0.Add(time.Hour))); err != nil {
			t.Fatalf("re-verifying one's own verified name: %v", err)
		}
		org, err := s.Domains().PublicOrganization(ctx, "clinic.example.com")
		if err != nil || org.ID != a.ID || org.Slug != "acme" {
			t.Fatalf("resolve: %+v %v", org, err)
		}
	})
}

func TestDomainRepo_RacingVerifiesHaveOneWinner(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		const n = 6
		var ds []domain.CustomDomain
		for i := range n {
			o := mustCreate(t, s.Organizations(), newOrg("org-"+string(rune('a'+i))+"x"))
			ds = append(ds, mustAddDomain(t, s.Domains(), newDomain(t, o.ID, "race.example.com")))
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, d := range ds {
			wg.Go(func() {
				errs[i] = s.Do(ctx, func(tx ports.Repos) error {
					cur, err := tx.Domains().GetForUpdate(ctx, d.OrganizationID, d.ID)
					if err != nil {
						return err
					}
					_, err = tx.Domains().Update(ctx, verified(cur, t0))
					return err
				})
			})
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, domain.ErrDomainTaken) && !errors.Is(err, &domain.Error{Code: domain.CodeUnavailable}):
				t.Errorf("verify %d: %v", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d verifies won, want exactly 1", won)
		}
	})
}

func TestDomainRepo_ClaimDue(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		o := mustCreate(t, s.Organizations(), newOrg("acme"))
		sched := domain.DefaultDomainSchedule()
		due := t0.Add(sched.PendingEvery)
		for _, name := range []string{"a.example.com", "b.example.com", "c.example.com"} {
			mustAddDomain(t, s.Domains(), newDomain(t, o.ID, name))
		}
		later := newDomain(t, o.ID, "later.example.com")
		next := due.Add(time.Hour)
		later.NextCheckAt = &next
		mustAddDomain(t, s.Domains(), later)
		idle := newDomain(t, o.ID, "idle.example.com")
		idle.NextCheckAt = nil
		mustAddDomain(t, s.Domains(), idle)

		if got, err := s.Domains().ClaimDue(ctx, due.Add(-time.Second), due.Add(time.Minute), 10); err != nil || len(got) != 0 {
			t.Fatalf("nothing is due yet: %+v %v", got, err)
		}
		lease := due.Add(5 * time.Minute)
		first, err := s.Domains().ClaimDue(ctx, due, lease, 2)
		if err != nil || len(first) != 2 || !first[0].NextCheckAt.Equal(lease) {
			t.Fatalf("first claim: %+v %v", first, err)
		}
		second, err := s.Domains().ClaimDue(ctx, due, lease, 10)
		if err != nil || len(second) != 1 || second[0].Name != "c.example.com" {
			t.Fatalf("second claim takes the rest only: %+v %v", second, err)
		}
		if got, err := s.Domains().ClaimDue(ctx, due.Add(time.Minute), lease, 10); err != nil || len(got) != 0 {
			t.Fatalf("claimed domains are leased: %+v %v", got, err)
		}
		got, err := s.Domains().ClaimDue(ctx, lease.Add(time.Hour), lease.Add(2*time.Hour), 10)
		if err != nil || len(got) != 4 {
			t.Fatalf("after the lease and the later one's time, all but the idle one: %+v %v", got, err)
		}
	})
}

func TestDomainRepo_ConcurrentClaimsNeverShare(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		o := mustCreate(t, s.Organizations(), newOrg("acme"))
		const n = 40
		for i := range n {
			mustAddDomain(t, s.Domains(), newDomain(t, o.ID, "d"+string(rune('a'+i%26))+string(rune('a'+i/26))+".example.com"))
		}
		now := t0.Add(time.Hour)
		claims := make([][]domain.CustomDomain, 8)
		errs := make([]error, len(claims))
		var wg sync.WaitGroup
		for i := range claims {
			wg.Go(func() { claims[i], errs[i] = s.Domains().ClaimDue(ctx, now, now.Add(time.Minute), 7) })
		}
		wg.Wait()
		seen := map[int64]bool{}
		for i, c := range claims {
			if errs[i] != nil && !errors.Is(errs[i], &domain.Error{Code: domain.CodeUnavailable}) {
				t.Errorf("claim %d: %v", i, errs[i])
			}
			for _, d := range c {
				if seen[d.ID] {
					t.Errorf("domain %d claimed twice", d.ID)
				}
				seen[d.ID] = true
			}
		}
		if len(seen) == 0 {
			t.Fatal("no claim got anything")
		}
	})
}

func TestOrganizationRepo_PublicBySlug(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		o := newOrg("acme")
		logo, lang := "https://cdn.example.com/a.png", "en"
		o.LogoURL, o.LanguageCode = &logo, &lang
		created := mustCreate(t, s.Organizations(), o)
		got, err := s.Organizations().PublicBySlug(ctx, "acme")
		if err != nil || got.ID != created.ID || got.Name != "Org acme" || *got.LogoURL != logo || got.IconURL != nil || *got.LanguageCode != "en" {
			t.Fatalf("%+v %v", got, err)
		}
		created.Status = domain.StatusSuspended
		if _, err := s.Organizations().Update(ctx, created, []string{"status"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Organizations().PublicBySlug(ctx, "acme"); !errors.Is(err, domain.ErrOrganizationNotFound) {
			t.Fatalf("a suspended organization: %v", err)
		}
		if _, err := s.Organizations().PublicBySlug(ctx, "nope"); !errors.Is(err, domain.ErrOrganizationNotFound) {
			t.Fatalf("unknown: %v", err)
		}
	})
}
