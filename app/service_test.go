package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

var now = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return now }

// deps are the mocked ports; the unit of work runs fn against the same mocked repositories.
type deps struct {
	uow     *MockUnitOfWork
	orgs    *MockOrganizationRepo
	users   *MockUserRepo
	mems    *MockMembershipRepo
	audit   *MockAuditRepo
	keys    *MockAPIKeyRepo
	sealer  *MockSealer
	limiter *MockRateLimiter
	svc     *app.Service
}

func newDeps(t *testing.T, cfg app.Config) deps {
	ctrl := gomock.NewController(t)
	d := deps{uow: NewMockUnitOfWork(ctrl), orgs: NewMockOrganizationRepo(ctrl),
		users: NewMockUserRepo(ctrl), mems: NewMockMembershipRepo(ctrl), audit: NewMockAuditRepo(ctrl),
		keys: NewMockAPIKeyRepo(ctrl), sealer: NewMockSealer(ctrl), limiter: NewMockRateLimiter(ctrl)}
	d.uow.EXPECT().Organizations().Return(d.orgs).AnyTimes()
	d.uow.EXPECT().Users().Return(d.users).AnyTimes()
	d.uow.EXPECT().Memberships().Return(d.mems).AnyTimes()
	d.uow.EXPECT().Audit().Return(d.audit).AnyTimes()
	d.uow.EXPECT().APIKeys().Return(d.keys).AnyTimes()
	d.uow.EXPECT().Do(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, fn func(ports.Repos) error) error {
		return fn(d.uow)
	}).AnyTimes()
	d.svc = app.New(app.Deps{Store: d.uow, Clock: fixedClock{}, Sealer: d.sealer, Limiter: d.limiter}, cfg)
	return d
}

// audited expects one audit record with action and answers it with err.
func (d deps) audited(action string, err error) {
	d.audit.EXPECT().Append(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, r domain.AuditRecord) (domain.AuditRecord, error) {
		if r.Action != action || !r.CreatedAt.Equal(now) {
			return r, fmt.Errorf("unexpected audit record %+v", r)
		}
		return r, err
	})
}

// allowed makes the limiter allow the next event.
func (d deps) allowed() {
	d.limiter.EXPECT().Allow(gomock.Any(), gomock.Any(), gomock.Any()).Return(domain.Quota{Allowed: true, Limit: 10, Remaining: 9}, nil)
}

var (
	super  = domain.Principal{User: domain.User{ID: 1}, Superadmin: true}
	member = domain.Principal{User: domain.User{ID: 2}}
	org    = domain.Organization{ID: 10, Name: "Acme", Slug: "acme", Status: domain.StatusActive,
		Settings: domain.Settings{DefaultRole: domain.RoleViewer}, Metadata: domain.Metadata{}}
)

func TestCreateOrganization_RequiresSuperadmin(t *testing.T) {
	d := newDeps(t, app.Config{}) // no repository call is expected
	_, err := d.svc.CreateOrganization(context.Background(), member, app.NewOrganization{Organization: org})
	if !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("got %v", err)
	}
}

func TestCreateOrganization_ValidatesBeforeWriting(t *testing.T) {
	d := newDeps(t, app.Config{})
	bad := org
	bad.Slug = "Bad Slug"
	_, err := d.svc.CreateOrganization(context.Background(), super, app.NewOrganization{Organization: bad})
	if domain.CodeOf(err) != domain.CodeValidation {
		t.Fatalf("got %v", err)
	}
}

func TestCreateOrganization_CreatorBecomesOwner(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.orgs.EXPECT().Create(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, o domain.Organization) (domain.Organization, error) {
		if o.Status != domain.StatusActive || o.Settings != domain.DefaultSettings() || !o.CreatedAt.Equal(now) {
			t.Errorf("defaults not applied: %+v", o)
		}
		o.ID = 10
		return o, nil
	})
	d.mems.EXPECT().Create(gomock.Any(), domain.Membership{OrganizationID: 10, UserID: 1, Role: domain.RoleOwner, CreatedAt: now}).
		DoAndReturn(func(_ context.Context, m domain.Membership) (domain.Membership, error) { return m, nil })
	d.users.EXPECT().SetCurrentOrganizationIfUnset(gomock.Any(), int64(1), int64(10)).Return(nil)
	d.audited(domain.AuditOrganizationCreated, nil)
	o, err := d.svc.CreateOrganization(context.Background(), super, app.NewOrganization{Organization: org})
	if err != nil || o.MembersCount != 1 {
		t.Fatalf("%+v %v", o, err)
	}
}

func TestGetOrganization_NotFoundBeforeForbidden(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.orgs.EXPECT().Get(gomock.Any(), int64(99)).Return(domain.Organization{}, domain.ErrOrganizationNotFound)
	// No membership lookup: a missing organization is 404 whoever asks (seed 000).
	if _, err := d.svc.GetOrganization(context.Background(), member, 99); !errors.Is(err, domain.ErrOrganizationNotFound) {
		t.Fatalf("got %v", err)
	}
}

func TestUpdateOrganization_StatusIsSuperadminOnly(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.orgs.EXPECT().GetForUpdate(gomock.Any(), int64(10)).Return(org, nil)
	d.mems.EXPECT().Role(gomock.Any(), int64(10), int64(2)).Return(domain.RoleOwner, nil)
	patch := domain.OrganizationPatch{Status: domain.Some(domain.StatusSuspended)}
	if _, err := d.svc.UpdateOrganization(context.Background(), member, 10, patch); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("got %v", err)
	}
}

func TestUpdateOrganization_WritesOnlyChangedColumns(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.orgs.EXPECT().GetForUpdate(gomock.Any(), int64(10)).Return(org, nil)
	d.mems.EXPECT().Role(gomock.Any(), int64(10), int64(2)).Return(domain.RoleAdmin, nil)
	d.orgs.EXPECT().Update(gomock.Any(), gomock.Any(), []string{domain.ColName, domain.ColTagline}).
		DoAndReturn(func(_ context.Context, o domain.Organization, _ []string) (domain.Organization, error) {
			if o.Name != "Acme NL" || o.Tagline != nil || !o.UpdatedAt.Equal(now) {
				t.Errorf("update got %+v", o)
			}
			return o, nil
		})
	d.audited(domain.AuditOrganizationUpdated, nil)
	patch := domain.OrganizationPatch{Name: domain.Some("Acme NL"), Tagline: domain.Optional[string]{Set: true}}
	if _, err := d.svc.UpdateOrganization(context.Background(), member, 10, patch); err != nil {
		t.Fatal(err)
	}
}

func TestConnectUser_UsesDefaultRole(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.orgs.EXPECT().Get(gomock.Any(), int64(10)).Return(org, nil)
	d.mems.EXPECT().Role(gomock.Any(), int64(10), int64(2)).Return(domain.RoleAdmin, nil)
	d.users.EXPECT().GetByEmail(gomock.Any(), "new@example.com").Return(domain.User{ID: 7}, nil)
	d.mems.EXPECT().Create(gomock.Any(), domain.Membership{OrganizationID: 10, UserID: 7, Role: domain.RoleViewer, CreatedAt: now}).
		DoAndReturn(func(_ context.Context, m domain.Membership) (domain.Membership, error) { return m, nil })
	d.users.EXPECT().SetCurrentOrganizationIfUnset(gomock.Any(), int64(7), int64(10)).Return(nil)
	d.audited(domain.AuditMemberConnected, nil)
	d.allowed()
	m, _, err := d.svc.ConnectUser(context.Background(), member, 10, " new@example.com ")
	if err != nil || m.Role != domain.RoleViewer {
		t.Fatalf("%+v %v", m, err)
	}
}

func TestConnectUser_MemberIsForbidden(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.orgs.EXPECT().Get(gomock.Any(), int64(10)).Return(org, nil)
	d.mems.EXPECT().Role(gomock.Any(), int64(10), int64(2)).Return(domain.RoleMember, nil)
	d.allowed()
	if _, _, err := d.svc.ConnectUser(context.Background(), member, 10, "new@example.com"); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("got %v", err)
	}
}

func TestListOrganizations_ScopesNonSuperadmins(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.orgs.EXPECT().List(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, q domain.OrganizationQuery) (domain.Page[domain.Organization], error) {
		if q.MemberID == nil || *q.MemberID != 2 {
			t.Errorf("member list not scoped: %v", q.MemberID)
		}
		return domain.Page[domain.Organization]{}, nil
	})
	d.orgs.EXPECT().List(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, q domain.OrganizationQuery) (domain.Page[domain.Organization], error) {
		if q.MemberID != nil {
			t.Errorf("superadmin list scoped to %d", *q.MemberID)
		}
		return domain.Page[domain.Organization]{}, nil
	})
	_, _ = d.svc.ListOrganizations(context.Background(), member, domain.OrganizationQuery{MemberID: new(int64)})
	_, _ = d.svc.ListOrganizations(context.Background(), super, domain.OrganizationQuery{MemberID: new(int64)})
}

func TestAuthenticate_SuperadminEmails(t *testing.T) {
	f, tr := false, true
	cases := []struct {
		name     string
		id       domain.Identity
		dbFlag   bool
		wantSupe bool
	}{
		{"configured email", domain.Identity{Subject: "s", Email: "Root@Example.com"}, false, true},
		{"configured and verified", domain.Identity{Subject: "s", Email: "root@example.com", EmailVerified: &tr}, false, true},
		{"configured but unverified", domain.Identity{Subject: "s", Email: "root@example.com", EmailVerified: &f}, false, false},
		{"other email", domain.Identity{Subject: "s", Email: "x@example.com"}, false, false},
		{"granted in database", domain.Identity{Subject: "s", Email: "x@example.com"}, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newDeps(t, app.Config{SuperadminEmails: []string{" root@example.com ", ""}})
			d.users.EXPECT().Provision(gomock.Any(), c.id, now).Return(domain.User{ID: 3, IsSuperadmin: c.dbFlag}, nil)
			p, err := d.svc.Authenticate(context.Background(), c.id)
			if err != nil || p.Superadmin != c.wantSupe {
				t.Fatalf("superadmin=%t err=%v", p.Superadmin, err)
			}
		})
	}
}

func TestAuthenticate_RequiresSubject(t *testing.T) {
	d := newDeps(t, app.Config{})
	if _, err := d.svc.Authenticate(context.Background(), domain.Identity{Email: "a@b.co"}); !errors.Is(err, domain.ErrUnauthorized) {
		t.Fatalf("got %v", err)
	}
}

func TestSwitchOrganization_NonMemberForbidden(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.orgs.EXPECT().Get(gomock.Any(), int64(10)).Return(org, nil)
	d.mems.EXPECT().Role(gomock.Any(), int64(10), int64(2)).Return(domain.Role(""), nil)
	if _, err := d.svc.SwitchOrganization(context.Background(), member, 10); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("got %v", err)
	}
}

func TestDeleteOrganization_SuperadminOnly(t *testing.T) {
	d := newDeps(t, app.Config{})
	if err := d.svc.DeleteOrganization(context.Background(), member, 10); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("got %v", err)
	}
	d.orgs.EXPECT().Delete(gomock.Any(), int64(10)).Return(nil)
	d.audited(domain.AuditOrganizationDeleted, nil)
	if err := d.svc.DeleteOrganization(context.Background(), super, 10); err != nil {
		t.Fatal(err)
	}
}
