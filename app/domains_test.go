package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

var pendingDomain = func() domain.CustomDomain {
	d, err := domain.NewCustomDomain(10, "clinic.example.com", "clinic", domain.DefaultDomainTypes, nil, "tok", now, domain.DefaultDomainSchedule())
	if err != nil {
		panic(err)
	}
	d.ID = 5
	return d
}()

func TestNormalizeDomainName(t *testing.T) {
	for in, want := range map[string]string{
		" Clinic.Example.COM. ": "clinic.example.com", "bücher.example": "xn--bcher-kva.example",
		"BÜCHER.example": "xn--bcher-kva.example", "xn--bcher-kva.example": "xn--bcher-kva.example",
	} {
		if got, err := app.NormalizeDomainName(in); err != nil || got != want {
			t.Errorf("NormalizeDomainName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"a\x00ü.example", "xn--zz--.example", "\u202ebad.example"} {
		if _, err := app.NormalizeDomainName(in); domain.CodeOf(err) != domain.CodeValidation {
			t.Errorf("NormalizeDomainName(%q): %v, want validation_error", in, err)
		}
	}
}

func TestAddDomain_ValidatesAfterAuthorizing(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	d.store.readRole(10, 2, domain.RoleMember)
	if _, err := d.svc.AddDomain(context.Background(), member, 10, app.NewDomain{Name: "not a domain", Type: "x"}); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("a member: %v", err)
	}
	d.store.readRole(10, 2, domain.RoleAdmin)
	_, err := d.svc.AddDomain(context.Background(), member, 10, app.NewDomain{Name: "localhost", Type: "shop"})
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.CodeValidation || len(e.Details) != 2 {
		t.Fatalf("an admin's bad input: %v", err)
	}
}

func TestAddDomain_CreatesAndDropsTheNegativeEntry(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	d.store.readRole(10, 2, domain.RoleAdmin)
	d.tx.role(10, 2, domain.RoleAdmin)
	d.tx.doms.EXPECT().List(gomock.Any(), int64(10)).Return(nil, nil)
	created := d.tx.doms.EXPECT().Create(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, c domain.CustomDomain) (domain.CustomDomain, error) {
		if c.Name != "clinic.example.com" || c.Status != domain.DomainPending || c.VerificationToken != "tok" {
			t.Errorf("created %+v", c)
		}
		c.ID = 5
		return c, nil
	})
	d.audited(domain.AuditDomainCreated, nil)
	d.cache.EXPECT().Delete(gomock.Any(), "domain:clinic.example.com").After(created).Return(nil)
	got, err := d.svc.AddDomain(context.Background(), member, 10, app.NewDomain{Name: "Clinic.Example.com.", Type: "clinic"})
	if err != nil || got.ID != 5 {
		t.Fatalf("%+v %v", got, err)
	}
	if v := d.svc.VerificationOf(got); v.TXTHost != "_orgkit-verification.clinic.example.com" || v.TXTValue != "tok" {
		t.Fatalf("verification %+v", v)
	}
}

// The DNS lookup runs after authorization, the domain's lookup and the rate limit, and never
// inside a transaction.
func TestVerifyDomain_LooksUpOutsideTheTransaction(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	d.store.readRole(10, 2, domain.RoleAdmin)
	d.store.doms.EXPECT().Get(gomock.Any(), int64(10), int64(5)).Return(pendingDomain, nil)
	d.allowed()
	d.dns.EXPECT().LookupTXT(gomock.Any(), "_orgkit-verification.clinic.example.com").DoAndReturn(func(context.Context, string) ([]string, error) {
		if *d.inTx {
			t.Error("DNS lookup inside a transaction")
		}
		return []string{"other", "tok"}, nil
	})
	d.tx.role(10, 2, domain.RoleAdmin)
	d.tx.doms.EXPECT().GetForUpdate(gomock.Any(), int64(10), int64(5)).Return(pendingDomain, nil)
	d.tx.doms.EXPECT().Update(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, c domain.CustomDomain) (domain.CustomDomain, error) { return c, nil })
	d.audited(domain.AuditDomainVerified, nil)
	d.cache.EXPECT().Delete(gomock.Any(), "domain:clinic.example.com").Return(nil)
	got, _, err := d.svc.VerifyDomain(context.Background(), member, 10, 5)
	if err != nil || got.Status != domain.DomainVerified || got.VerifiedAt == nil {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestVerifyDomain_RefusalsSpendNoLookup(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache) // no LookupTXT expected
	d.store.readRole(10, 2, domain.RoleViewer)
	if _, _, err := d.svc.VerifyDomain(context.Background(), member, 10, 5); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("a viewer: %v", err)
	}
	d.store.readRole(10, 2, domain.RoleAdmin)
	d.store.doms.EXPECT().Get(gomock.Any(), int64(10), int64(6)).Return(domain.CustomDomain{}, domain.ErrDomainNotFound)
	if _, _, err := d.svc.VerifyDomain(context.Background(), member, 10, 6); !errors.Is(err, domain.ErrDomainNotFound) {
		t.Fatalf("unknown domain: %v", err)
	}
	d.store.readRole(10, 2, domain.RoleAdmin)
	d.store.doms.EXPECT().Get(gomock.Any(), int64(10), int64(5)).Return(pendingDomain, nil)
	d.limiter.EXPECT().Allow(gomock.Any(), gomock.Any(), domain.LimitVerifyDomain).Return(domain.Quota{Allowed: false}, nil)
	if _, _, err := d.svc.VerifyDomain(context.Background(), member, 10, 5); domain.CodeOf(err) != domain.CodeRateLimited {
		t.Fatalf("over the limit: %v", err)
	}
}

func TestVerifyDomain_ResolverErrorIsAnOutcome(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	d.store.readRole(10, 2, domain.RoleOwner)
	d.store.doms.EXPECT().Get(gomock.Any(), int64(10), int64(5)).Return(pendingDomain, nil)
	d.allowed()
	d.dns.EXPECT().LookupTXT(gomock.Any(), gomock.Any()).Return(nil, errors.New("i/o timeout"))
	d.tx.role(10, 2, domain.RoleOwner)
	d.tx.doms.EXPECT().GetForUpdate(gomock.Any(), int64(10), int64(5)).Return(pendingDomain, nil)
	d.tx.doms.EXPECT().Update(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, c domain.CustomDomain) (domain.CustomDomain, error) { return c, nil })
	d.audited(domain.AuditDomainVerificationFailed, nil)
	d.cache.EXPECT().Delete(gomock.Any(), gomock.Any()).Return(nil)
	got, _, err := d.svc.VerifyDomain(context.Background(), member, 10, 5)
	if err != nil || got.Status != domain.DomainFailed || *got.FailureReason != domain.FailureResolverError {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestRecheckDueDomains_AuditsWithoutAnActor(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	d.store.doms.EXPECT().ClaimDue(gomock.Any(), now, gomock.Any(), gomock.Any()).Return([]domain.CustomDomain{pendingDomain}, nil)
	d.dns.EXPECT().LookupTXT(gomock.Any(), gomock.Any()).Return([]string{"tok"}, nil)
	d.tx.doms.EXPECT().GetForUpdate(gomock.Any(), int64(10), int64(5)).Return(pendingDomain, nil)
	d.tx.doms.EXPECT().Update(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, c domain.CustomDomain) (domain.CustomDomain, error) { return c, nil })
	d.tx.audit.EXPECT().Append(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, r domain.AuditRecord) (domain.AuditRecord, error) {
		if r.Action != domain.AuditDomainVerified || r.ActorUserID != nil || r.TargetID != "5" {
			t.Errorf("audit %+v", r)
		}
		return r, nil
	})
	d.cache.EXPECT().Delete(gomock.Any(), "domain:clinic.example.com").Return(nil)
	got, err := d.svc.RecheckDueDomains(context.Background())
	if err != nil || len(got) != 1 || got[0].Action != domain.AuditDomainVerified || got[0].Domain.Status != domain.DomainVerified {
		t.Fatalf("%+v %v", got, err)
	}
}

// A background check that proves a name another organization holds verified records it as
// unproven for this organization instead of failing again on every pass.
func TestRecheckDueDomains_TakenNameIsNotProven(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	d.store.doms.EXPECT().ClaimDue(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Return([]domain.CustomDomain{pendingDomain}, nil)
	d.dns.EXPECT().LookupTXT(gomock.Any(), gomock.Any()).Return([]string{"tok"}, nil)
	d.tx.doms.EXPECT().GetForUpdate(gomock.Any(), int64(10), int64(5)).Return(pendingDomain, nil).Times(2)
	gomock.InOrder(
		d.tx.doms.EXPECT().Update(gomock.Any(), gomock.Any()).Return(domain.CustomDomain{}, domain.ErrDomainTaken),
		d.tx.doms.EXPECT().Update(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, c domain.CustomDomain) (domain.CustomDomain, error) {
			if c.Status != domain.DomainPending || *c.FailureReason != domain.FailureValueMismatch {
				t.Errorf("second update %+v", c)
			}
			return c, nil
		}),
	)
	got, err := d.svc.RecheckDueDomains(context.Background())
	if err != nil || len(got) != 1 || got[0].Err != nil || got[0].Action != "" {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestRecheckDomain_UnknownName(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	d.store.doms.EXPECT().ByName(gomock.Any(), "clinic.example.com").Return(nil, nil)
	if _, err := d.svc.RecheckDomain(context.Background(), "Clinic.Example.com"); !errors.Is(err, domain.ErrDomainNotFound) {
		t.Fatalf("%v", err)
	}
	if _, err := d.svc.RecheckDomain(context.Background(), "localhost"); domain.CodeOf(err) != domain.CodeValidation {
		t.Fatalf("%v", err)
	}
}

func TestAddDomain_AtMostFiftyAndNamesWhoseTXTHostFits(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	d.store.readRole(10, 2, domain.RoleAdmin)
	d.tx.role(10, 2, domain.RoleAdmin)
	d.tx.doms.EXPECT().List(gomock.Any(), int64(10)).Return(make([]domain.CustomDomain, domain.MaxDomainsPerOrganization), nil)
	_, err := d.svc.AddDomain(context.Background(), member, 10, app.NewDomain{Name: "clinic.example.com", Type: "clinic"})
	if domain.CodeOf(err) != domain.CodeValidation || !strings.Contains(err.Error(), "at most 50") {
		t.Fatalf("the 51st domain: %v", err)
	}
	d.store.readRole(10, 2, domain.RoleAdmin)
	long := strings.Repeat(strings.Repeat("a", 60)+".", 3) + strings.Repeat("b", 50) + ".com" // 237 characters
	if _, err := d.svc.AddDomain(context.Background(), member, 10, app.NewDomain{Name: long, Type: "clinic"}); domain.CodeOf(err) != domain.CodeValidation {
		t.Fatalf("a name whose TXT host exceeds 253 characters: %v", err)
	}
}

// A verified domain that lapses in the background drops its resolve cache entry.
func TestRecheckDueDomains_LapseDropsTheCacheEntry(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	sched := domain.DefaultDomainSchedule()
	v, _ := pendingDomain.Checked("", now.Add(-sched.Grace-time.Hour), true, sched)
	failing, _ := v.Checked(domain.FailureRecordNotFound, now.Add(-sched.Grace), false, sched)
	d.store.doms.EXPECT().ClaimDue(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Return([]domain.CustomDomain{failing}, nil)
	d.dns.EXPECT().LookupTXT(gomock.Any(), gomock.Any()).Return(nil, ports.ErrNoTXTRecords)
	d.tx.doms.EXPECT().GetForUpdate(gomock.Any(), int64(10), int64(5)).Return(failing, nil)
	d.tx.doms.EXPECT().Update(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, c domain.CustomDomain) (domain.CustomDomain, error) { return c, nil })
	d.audited(domain.AuditDomainLapsed, nil)
	d.cache.EXPECT().Delete(gomock.Any(), "domain:clinic.example.com").Return(nil)
	got, err := d.svc.RecheckDueDomains(context.Background())
	if err != nil || len(got) != 1 || got[0].Action != domain.AuditDomainLapsed || got[0].Domain.Status != domain.DomainFailed {
		t.Fatalf("%+v %v", got, err)
	}
}

// A replica told to stop (ctx ends) during a background check finishes and records it: an
// abandoned claim would keep the domain unchecked for the whole lease.
func TestRecheckDueDomains_FinishesClaimedChecksWhenStopped(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	d.store.doms.EXPECT().ClaimDue(gomock.Any(), now, gomock.Any(), gomock.Any()).Return([]domain.CustomDomain{pendingDomain}, nil)
	d.dns.EXPECT().LookupTXT(gomock.Any(), gomock.Any()).DoAndReturn(func(lctx context.Context, _ string) ([]string, error) {
		stop() // SIGTERM arrives while the resolver answers
		if lctx.Err() != nil {
			return nil, lctx.Err()
		}
		return []string{"tok"}, nil
	})
	d.tx.doms.EXPECT().GetForUpdate(gomock.Any(), int64(10), int64(5)).Return(pendingDomain, nil)
	d.tx.doms.EXPECT().Update(gomock.Any(), gomock.Any()).DoAndReturn(func(uctx context.Context, c domain.CustomDomain) (domain.CustomDomain, error) {
		return c, uctx.Err()
	})
	d.audited(domain.AuditDomainVerified, nil)
	d.cache.EXPECT().Delete(gomock.Any(), "domain:clinic.example.com").Return(nil)
	got, err := d.svc.RecheckDueDomains(ctx)
	if !errors.Is(err, context.Canceled) || len(got) != 1 || got[0].Err != nil || got[0].Action != domain.AuditDomainVerified {
		t.Fatalf("%+v %v; want the claimed check recorded, then ctx's error", got, err)
	}
}

// Nor is the claim cut off when the replica is told to stop during it: domains claimed by a
// statement that committed are checked.
func TestRecheckDueDomains_ChecksWhatItClaimedWhileStopping(t *testing.T) {
	d := newDeps(t, app.Config{}, withDNSAndCache)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	d.store.doms.EXPECT().ClaimDue(gomock.Any(), now, gomock.Any(), gomock.Any()).DoAndReturn(func(cctx context.Context, _, _ time.Time, _ int) ([]domain.CustomDomain, error) {
		stop() // SIGTERM arrives while the claim commits
		return []domain.CustomDomain{pendingDomain}, cctx.Err()
	})
	d.dns.EXPECT().LookupTXT(gomock.Any(), gomock.Any()).Return([]string{"tok"}, nil)
	d.tx.doms.EXPECT().GetForUpdate(gomock.Any(), int64(10), int64(5)).Return(pendingDomain, nil)
	d.tx.doms.EXPECT().Update(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, c domain.CustomDomain) (domain.CustomDomain, error) { return c, nil })
	d.audited(domain.AuditDomainVerified, nil)
	d.cache.EXPECT().Delete(gomock.Any(), "domain:clinic.example.com").Return(nil)
	got, err := d.svc.RecheckDueDomains(ctx)
	if !errors.Is(err, context.Canceled) || len(got) != 1 || got[0].Action != domain.AuditDomainVerified {
		t.Fatalf("%+v %v; want the claimed domain checked", got, err)
	}
}
