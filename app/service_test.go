package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
	"github.com/orgkit/orgkit/ports/mocks"
)

var now = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return now }

// repoMocks are one set of mocked repositories.
type repoMocks struct {
	orgs  *mocks.MockOrganizationRepo
	users *mocks.MockUserRepo
	mems  *mocks.MockMembershipRepo
	audit *mocks.MockAuditRepo
	keys  *mocks.MockAPIKeyRepo
	doms  *mocks.MockDomainRepo
	invs  *mocks.MockInvitationRepo
	evts  *mocks.MockEventRepo
	hooks *mocks.MockWebhookRepo
}

func newRepoMocks(ctrl *gomock.Controller) repoMocks {
	return repoMocks{orgs: mocks.NewMockOrganizationRepo(ctrl), users: mocks.NewMockUserRepo(ctrl),
		mems: mocks.NewMockMembershipRepo(ctrl), audit: mocks.NewMockAuditRepo(ctrl), keys: mocks.NewMockAPIKeyRepo(ctrl),
		doms: mocks.NewMockDomainRepo(ctrl), invs: mocks.NewMockInvitationRepo(ctrl),
		evts: mocks.NewMockEventRepo(ctrl), hooks: mocks.NewMockWebhookRepo(ctrl)}
}

// deps are the mocked ports. The unit of work hands fn a transaction object distinct from
// the store, with its own repositories (d.tx), so a use case that writes through the store
// (d.store) inside a transaction fails the test with an unexpected call.
type deps struct {
	uow     *mocks.MockUnitOfWork
	store   repoMocks // outside any transaction
	tx      repoMocks // inside Do
	sealer  *mocks.MockSealer
	limiter *mocks.MockRateLimiter
	dns     *mocks.MockTXTResolver
	cache   *mocks.MockResolveCache
	inTx    *bool // true while a transaction's fn runs
	svc     *app.Service
}

// newDeps builds the service on mocks; the DNS resolver and the resolve cache are wired only
// with withDNSAndCache, so other tests need not expect cache invalidations.
func newDeps(t *testing.T, cfg app.Config, opts ...func(*app.Deps, deps)) deps {
	ctrl := gomock.NewController(t)
	d := deps{uow: mocks.NewMockUnitOfWork(ctrl), store: newRepoMocks(ctrl), tx: newRepoMocks(ctrl),
		sealer: mocks.NewMockSealer(ctrl), limiter: mocks.NewMockRateLimiter(ctrl),
		dns: mocks.NewMockTXTResolver(ctrl), cache: mocks.NewMockResolveCache(ctrl), inTx: new(bool)}
	d.uow.EXPECT().Organizations().Return(d.store.orgs).AnyTimes()
	d.uow.EXPECT().Users().Return(d.store.users).AnyTimes()
	d.uow.EXPECT().Memberships().Return(d.store.mems).AnyTimes()
	d.uow.EXPECT().Audit().Return(d.store.audit).AnyTimes()
	d.uow.EXPECT().APIKeys().Return(d.store.keys).AnyTimes()
	d.uow.EXPECT().Domains().Return(d.store.doms).AnyTimes()
	d.uow.EXPECT().Webhooks().Return(d.store.hooks).AnyTimes()
	d.uow.EXPECT().Invitations().Return(d.store.invs).AnyTimes()
	tx := mocks.NewMockRepos(ctrl)
	tx.EXPECT().Organizations().Return(d.tx.orgs).AnyTimes()
	tx.EXPECT().Users().Return(d.tx.users).AnyTimes()
	tx.EXPECT().Memberships().Return(d.tx.mems).AnyTimes()
	tx.EXPECT().Audit().Return(d.tx.audit).AnyTimes()
	tx.EXPECT().APIKeys().Return(d.tx.keys).AnyTimes()
	tx.EXPECT().Domains().Return(d.tx.doms).AnyTimes()
	tx.EXPECT().Invitations().Return(d.tx.invs).AnyTimes()
	// Every audited change raises its event; no endpoint subscribes in these tests.
	tx.EXPECT().Events().Return(d.tx.evts).AnyTimes()
	tx.EXPECT().Webhooks().Return(d.tx.hooks).AnyTimes()
	d.tx.evts.EXPECT().Add(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, e domain.Event) (domain.Event, error) {
		return e, nil
	}).AnyTimes()
	d.tx.hooks.EXPECT().Subscribers(gomock.Any(), gomock.Any()).Return(nil, nil).AnyTimes()
	d.uow.EXPECT().Do(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, fn func(ports.Repos) error) error {
		*d.inTx = true
		defer func() { *d.inTx = false }()
		return fn(tx)
	}).AnyTimes()
	deps := app.Deps{Store: d.uow, Clock: fixedClock{}, Sealer: d.sealer, Limiter: d.limiter,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), NewToken: func() string { return "tok" }}
	for _, o := range opts {
		o(&deps, d)
	}
	if cfg.Resolve.RedeleteAfter == 0 {
		cfg.Resolve.RedeleteAfter = -1 // no second delete after the test's mocks are gone
	}
	if cfg.AccessCacheTTL == 0 {
		cfg.AccessCacheTTL = -1 // every read reaches the mocks; accesscache_test covers the cache
	}
	d.svc = app.New(deps, cfg)
	return d
}

func withDNSAndCache(deps *app.Deps, d deps) { deps.DNS, deps.Cache = d.dns, d.cache }

// role makes the principal with userID hold role in org, as read by repos r in a
// transaction.
func (r repoMocks) role(orgID, userID int64, role domain.Role) {
	r.orgs.EXPECT().Get(gomock.Any(), orgID).Return(org, nil)
	r.mems.EXPECT().Role(gomock.Any(), orgID, userID).Return(role, nil)
}

// readRole is role as a read outside a transaction finds it: in one query.
func (r repoMocks) readRole(orgID, userID int64, role domain.Role) {
	r.orgs.EXPECT().GetWithRole(gomock.Any(), orgID, userID).Return(org, role, nil)
}

// audited expects one audit record with action and answers it with err.
func (d deps) audited(action string, err error) {
	d.tx.audit.EXPECT().Append(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, r domain.AuditRecord) (domain.AuditRecord, error) {
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
	newOrg = domain.NewOrganization{Name: "Acme", Slug: "acme"}
)

func TestCreateOrganization_RequiresSuperadmin(t *testing.T) {
	d := newDeps(t, app.Config{}) // no repository call is expected
	_, err := d.svc.CreateOrganization(context.Background(), member, newOrg)
	if !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("got %v", err)
	}
}

func TestCreateOrganization_ValidatesBeforeWriting(t *testing.T) {
	d := newDeps(t, app.Config{})
	bad := newOrg
	bad.Slug = "Bad Slug"
	_, err := d.svc.CreateOrganization(context.Background(), super, bad)
	if domain.CodeOf(err) != domain.CodeValidation {
		t.Fatalf("got %v", err)
	}
}

func TestCreateOrganization_CreatorBecomesOwner(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.tx.orgs.EXPECT().Create(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, o domain.Organization) (domain.Organization, error) {
		if o.Status != domain.StatusActive || o.Settings != domain.DefaultSettings() || !o.CreatedAt.Equal(now) {
			t.Errorf("defaults not applied: %+v", o)
		}
		o.ID = 10
		return o, nil
	})
	d.tx.mems.EXPECT().Create(gomock.Any(), domain.Membership{OrganizationID: 10, UserID: 1, Role: domain.RoleOwner, CreatedAt: now}).
		DoAndReturn(func(_ context.Context, m domain.Membership) (domain.Membership, error) { return m, nil })
	d.tx.users.EXPECT().SetCurrentOrganizationIfUnset(gomock.Any(), int64(1), int64(10)).Return(nil)
	d.audited(domain.AuditOrganizationCreated, nil)
	o, err := d.svc.CreateOrganization(context.Background(), super, newOrg)
	if err != nil || o.MembersCount != 1 {
		t.Fatalf("%+v %v", o, err)
	}
}

func TestGetOrganization_NotFoundBeforeForbidden(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.store.orgs.EXPECT().GetWithRole(gomock.Any(), int64(99), int64(2)).Return(domain.Organization{}, domain.Role(""), domain.ErrOrganizationNotFound)
	// No membership lookup: a missing organization is 404 whoever asks (seed 000).
	if _, err := d.svc.GetOrganization(context.Background(), member, 99); !errors.Is(err, domain.ErrOrganizationNotFound) {
		t.Fatalf("got %v", err)
	}
}

func TestUpdateOrganization_StatusIsSuperadminOnly(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.tx.orgs.EXPECT().GetForUpdate(gomock.Any(), int64(10)).Return(org, nil)
	d.tx.mems.EXPECT().Role(gomock.Any(), int64(10), int64(2)).Return(domain.RoleOwner, nil)
	patch := domain.OrganizationPatch{Status: domain.Some(domain.StatusSuspended)}
	if _, err := d.svc.UpdateOrganization(context.Background(), member, 10, patch); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("got %v", err)
	}
}

func TestUpdateOrganization_WritesOnlyChangedColumns(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.tx.orgs.EXPECT().GetForUpdate(gomock.Any(), int64(10)).Return(org, nil)
	d.tx.mems.EXPECT().Role(gomock.Any(), int64(10), int64(2)).Return(domain.RoleAdmin, nil)
	d.tx.orgs.EXPECT().Update(gomock.Any(), gomock.Any(), []string{domain.ColName, domain.ColTagline}).
		DoAndReturn(func(_ context.Context, o domain.Organization, _ []string) (domain.Organization, error) {
			if o.Name != "Acme NL" || o.Tagline != nil || !o.UpdatedAt.Equal(now) {
				t.Errorf("update got %+v", o)
			}
			return o, nil
		})
	d.tx.doms.EXPECT().List(gomock.Any(), int64(10)).Return(nil, nil)
	d.audited(domain.AuditOrganizationUpdated, nil)
	patch := domain.OrganizationPatch{Name: domain.Some("Acme NL"), Tagline: domain.Optional[string]{Set: true}}
	if _, err := d.svc.UpdateOrganization(context.Background(), member, 10, patch); err != nil {
		t.Fatal(err)
	}
}

func TestConnectUser_UsesDefaultRole(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.store.readRole(10, 2, domain.RoleAdmin)
	d.tx.role(10, 2, domain.RoleAdmin)
	d.tx.users.EXPECT().GetByVerifiedEmail(gomock.Any(), "new@example.com").Return(domain.User{ID: 7}, nil)
	d.tx.mems.EXPECT().Create(gomock.Any(), domain.Membership{OrganizationID: 10, UserID: 7, Role: domain.RoleViewer, CreatedAt: now}).
		DoAndReturn(func(_ context.Context, m domain.Membership) (domain.Membership, error) { return m, nil })
	d.tx.users.EXPECT().SetCurrentOrganizationIfUnset(gomock.Any(), int64(7), int64(10)).Return(nil)
	d.audited(domain.AuditMemberConnected, nil)
	d.allowed()
	m, _, err := d.svc.ConnectUser(context.Background(), member, 10, " New@example.com ", "")
	if err != nil || m.Role != domain.RoleViewer {
		t.Fatalf("%+v %v", m, err)
	}
}

// An outsider is told forbidden before anything about its input, and spends no quota: the
// limiter is never asked (no d.allowed()).
func TestConnectUser_ChecksAuthorizationThenInputThenLimit(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.store.readRole(10, 2, domain.RoleMember)
	if _, _, err := d.svc.ConnectUser(context.Background(), member, 10, "not an email", ""); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("member: got %v", err)
	}
	d.store.orgs.EXPECT().GetWithRole(gomock.Any(), int64(99), int64(2)).Return(domain.Organization{}, domain.Role(""), domain.ErrOrganizationNotFound)
	if _, _, err := d.svc.ConnectUser(context.Background(), member, 99, "new@example.com", ""); !errors.Is(err, domain.ErrOrganizationNotFound) {
		t.Fatalf("missing organization: got %v", err)
	}
	d.store.readRole(10, 2, domain.RoleAdmin)
	if _, _, err := d.svc.ConnectUser(context.Background(), member, 10, "not an email", ""); domain.CodeOf(err) != domain.CodeValidation {
		t.Fatalf("admin with a bad email: got %v", err)
	}
}

func TestListOrganizations_ScopesNonSuperadminsAndFillsDefaults(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.store.orgs.EXPECT().List(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, q domain.OrganizationQuery) (domain.Page[domain.Organization], error) {
		if q.MemberID == nil || *q.MemberID != 2 || q.Page != 1 || q.PageSize != domain.DefaultPageSize || q.Sort.Field != "name" {
			t.Errorf("member list: %+v", q)
		}
		return domain.Page[domain.Organization]{}, nil
	})
	d.store.orgs.EXPECT().List(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, q domain.OrganizationQuery) (domain.Page[domain.Organization], error) {
		if q.MemberID != nil {
			t.Errorf("superadmin list scoped to %d", *q.MemberID)
		}
		return domain.Page[domain.Organization]{}, nil
	})
	if _, err := d.svc.ListOrganizations(context.Background(), member, domain.OrganizationQuery{}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.ListOrganizations(context.Background(), super, domain.OrganizationQuery{MemberID: new(int64)}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []domain.OrganizationQuery{{PageSize: 1000}, {Page: -1}, {Sort: domain.Sort{Field: "id; DROP TABLE orgkit_organizations"}}, {Search: "a\x00"}} {
		if _, err := d.svc.ListOrganizations(context.Background(), member, q); domain.CodeOf(err) != domain.CodeValidation {
			t.Errorf("%+v: got %v", q, err)
		}
	}
}

func TestAuthenticate_SuperadminEmailsMustBeVerified(t *testing.T) {
	root := "root@example.com"
	cases := []struct {
		name     string
		stored   domain.User
		wantSupe bool
	}{
		{"configured and verified", domain.User{ID: 3, Subject: "s", Email: &root, EmailVerified: true}, true},
		{"configured but unverified", domain.User{ID: 3, Subject: "s", Email: &root}, false},
		{"granted in database", domain.User{ID: 3, Subject: "s", IsSuperadmin: true}, true},
		{"no email", domain.User{ID: 3, Subject: "s"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newDeps(t, app.Config{SuperadminEmails: []string{" Root@example.com ", ""}})
			d.store.users.EXPECT().Provision(gomock.Any(), "s", now).Return(c.stored, nil)
			// The token says nothing new, so nothing is written.
			id := domain.Identity{Subject: "s", EmailVerified: c.stored.EmailVerified}
			if c.stored.Email != nil {
				id.Email = *c.stored.Email
			}
			p, err := d.svc.SignIn(context.Background(), id)
			if err != nil || p.Superadmin != c.wantSupe {
				t.Fatalf("superadmin=%t err=%v", p.Superadmin, err)
			}
		})
	}
}

func TestAuthenticate_RefusesUnusableClaims(t *testing.T) {
	d := newDeps(t, app.Config{})
	for _, id := range []domain.Identity{
		{Email: "a@b.co"}, {Subject: strings.Repeat("s", 256)}, {Subject: "s\x00"}, {Subject: "s", Name: "A\x00"}, {Subject: "s", Email: "\xff@b.co"},
	} {
		if _, err := d.svc.SignIn(context.Background(), id); !errors.Is(err, domain.ErrUnauthorized) {
			t.Errorf("%q %q %q: got %v", id.Subject, id.Email, id.Name, err)
		}
	}
}

// A verified claim takes the address from a user who holds it unverified, in one
// transaction with its audit record.
func TestAuthenticate_VerifiedClaimTakesAddressFromUnverifiedHolder(t *testing.T) {
	d := newDeps(t, app.Config{})
	email := "ann@example.com"
	d.store.users.EXPECT().Provision(gomock.Any(), "real", now).Return(domain.User{ID: 5, Subject: "real"}, nil)
	d.tx.users.EXPECT().EmailHolder(gomock.Any(), email).Return(domain.User{ID: 9, Subject: "squatter", Email: &email}, nil)
	gomock.InOrder(
		d.tx.users.EXPECT().ReleaseUnverifiedEmail(gomock.Any(), int64(9), email, now).Return(true, nil),
		d.tx.users.EXPECT().UpdateProfile(gomock.Any(), domain.User{ID: 5, Subject: "real", Email: &email, EmailVerified: true, UpdatedAt: now}).Return(nil),
	)
	d.audited(domain.AuditUserEmailReleased, nil)
	p, err := d.svc.SignIn(context.Background(), domain.Identity{Subject: "real", Email: "Ann@example.com", EmailVerified: true})
	if err != nil || p.User.Email == nil || *p.User.Email != email || !p.User.EmailVerified {
		t.Fatalf("%+v %v", p.User, err)
	}
}

// A holder who verified the address between the read and the release keeps it: nothing of
// theirs is overwritten, and the decision is made again.
func TestAuthenticate_HolderVerifiedMeanwhileKeepsTheAddress(t *testing.T) {
	d := newDeps(t, app.Config{})
	email := "ann@example.com"
	d.store.users.EXPECT().Provision(gomock.Any(), "other", now).Return(domain.User{ID: 5, Subject: "other"}, nil)
	gomock.InOrder(
		d.tx.users.EXPECT().EmailHolder(gomock.Any(), email).Return(domain.User{ID: 9, Email: &email}, nil),
		d.tx.users.EXPECT().ReleaseUnverifiedEmail(gomock.Any(), int64(9), email, now).Return(false, nil),
		d.tx.users.EXPECT().EmailHolder(gomock.Any(), email).Return(domain.User{ID: 9, Email: &email, EmailVerified: true}, nil),
		d.tx.users.EXPECT().UpdateProfile(gomock.Any(), domain.User{ID: 5, Subject: "other", UpdatedAt: now}).Return(nil),
	)
	p, err := d.svc.SignIn(context.Background(), domain.Identity{Subject: "other", Email: email, EmailVerified: true})
	if err != nil || p.User.Email != nil {
		t.Fatalf("%+v %v", p.User, err)
	}
}

// Sign-in never fails over an email conflict: the claim is dropped.
func TestAuthenticate_ConflictSignsInWithoutEmail(t *testing.T) {
	email := "ann@example.com"
	for _, c := range []struct {
		name            string
		claimV, holderV bool
	}{{"verified claim, verified holder", true, true}, {"unverified claim, verified holder", false, true}, {"unverified claim, unverified holder", false, false}} {
		t.Run(c.name, func(t *testing.T) {
			d := newDeps(t, app.Config{SuperadminEmails: []string{email}})
			d.store.users.EXPECT().Provision(gomock.Any(), "new", now).Return(domain.User{ID: 5, Subject: "new"}, nil)
			d.tx.users.EXPECT().EmailHolder(gomock.Any(), email).Return(domain.User{ID: 9, Email: &email, EmailVerified: c.holderV}, nil)
			d.tx.users.EXPECT().UpdateProfile(gomock.Any(), domain.User{ID: 5, Subject: "new", UpdatedAt: now}).Return(nil)
			p, err := d.svc.SignIn(context.Background(), domain.Identity{Subject: "new", Email: email, EmailVerified: c.claimV})
			if err != nil || p.User.Email != nil || p.Superadmin {
				t.Fatalf("%+v superadmin=%t %v", p.User, p.Superadmin, err)
			}
		})
	}
}

// When the holder changes between the read and the write, the decision is made again.
func TestAuthenticate_RetriesWhenTheHolderChanges(t *testing.T) {
	d := newDeps(t, app.Config{})
	email := "ann@example.com"
	d.store.users.EXPECT().Provision(gomock.Any(), "s", now).Return(domain.User{ID: 5, Subject: "s"}, nil)
	want := domain.User{ID: 5, Subject: "s", Email: &email, EmailVerified: true, UpdatedAt: now}
	gomock.InOrder(
		d.tx.users.EXPECT().EmailHolder(gomock.Any(), email).Return(domain.User{}, domain.ErrUserNotFound),
		d.tx.users.EXPECT().UpdateProfile(gomock.Any(), want).Return(domain.ErrEmailTaken),
		d.tx.users.EXPECT().EmailHolder(gomock.Any(), email).Return(domain.User{ID: 9, Email: &email, EmailVerified: true}, nil),
		d.tx.users.EXPECT().UpdateProfile(gomock.Any(), domain.User{ID: 5, Subject: "s", UpdatedAt: now}).Return(nil),
	)
	p, err := d.svc.SignIn(context.Background(), domain.Identity{Subject: "s", Email: email, EmailVerified: true})
	if err != nil || p.User.Email != nil {
		t.Fatalf("%+v %v", p.User, err)
	}
}

func TestSwitchOrganization_NonMemberForbidden(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.tx.role(10, 2, "")
	if _, err := d.svc.SwitchOrganization(context.Background(), member, 10); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("got %v", err)
	}
}

func TestDeleteOrganization_SuperadminOnly(t *testing.T) {
	d := newDeps(t, app.Config{})
	if err := d.svc.DeleteOrganization(context.Background(), member, 10); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("got %v", err)
	}
	d.tx.orgs.EXPECT().GetForUpdate(gomock.Any(), int64(10)).Return(org, nil)
	d.tx.doms.EXPECT().List(gomock.Any(), int64(10)).Return(nil, nil)
	d.tx.orgs.EXPECT().Delete(gomock.Any(), int64(10)).Return(nil)
	d.audited(domain.AuditOrganizationDeleted, nil)
	if err := d.svc.DeleteOrganization(context.Background(), super, 10); err != nil {
		t.Fatal(err)
	}
}

// The deleting hook runs in the delete's transaction, after the organization is locked and
// before its rows go; its error aborts the deletion.
func TestDeleteOrganization_HookRunsInTheTransaction(t *testing.T) {
	var got ports.Repos
	boom := errors.New("host rows are referenced")
	for _, hookErr := range []error{nil, boom} {
		d := newDeps(t, app.Config{Hooks: app.Hooks{OrganizationDeleting: func(_ context.Context, tx ports.Repos, orgID int64) error {
			got = tx
			if orgID != 10 {
				t.Errorf("hook got organization %d", orgID)
			}
			return hookErr
		}}})
		gomock.InOrder(
			d.tx.orgs.EXPECT().GetForUpdate(gomock.Any(), int64(10)).Return(org, nil),
			d.tx.doms.EXPECT().List(gomock.Any(), int64(10)).Return(nil, nil),
			// The hook runs here; Delete and the audit record only when it succeeded.
		)
		if hookErr == nil {
			d.tx.orgs.EXPECT().Delete(gomock.Any(), int64(10)).Return(nil)
			d.audited(domain.AuditOrganizationDeleted, nil)
		}
		err := d.svc.DeleteOrganization(context.Background(), super, 10)
		if !errors.Is(err, hookErr) || (hookErr == nil && err != nil) {
			t.Fatalf("hook error %v: got %v", hookErr, err)
		}
		if got == nil || got.Organizations() != d.tx.orgs {
			t.Fatalf("the hook did not get the deleting transaction: %v", got)
		}
	}
}

// AfterCommit sees each audited change once, only after its transaction committed.
func TestAfterCommit_OnlyCommittedChanges(t *testing.T) {
	var seen []string
	d := newDeps(t, app.Config{Hooks: app.Hooks{AfterCommit: func(_ context.Context, r domain.AuditRecord) { seen = append(seen, r.Action) }}})
	d.tx.orgs.EXPECT().GetForUpdate(gomock.Any(), int64(10)).Return(org, nil).Times(2)
	d.tx.doms.EXPECT().List(gomock.Any(), int64(10)).Return(nil, nil).Times(2)
	d.tx.orgs.EXPECT().Delete(gomock.Any(), int64(10)).Return(nil).Times(2)
	d.audited(domain.AuditOrganizationDeleted, nil)
	d.audited(domain.AuditOrganizationDeleted, errors.New("disk full"))
	if err := d.svc.DeleteOrganization(context.Background(), super, 10); err != nil {
		t.Fatal(err)
	}
	if err := d.svc.DeleteOrganization(context.Background(), super, 10); err == nil {
		t.Fatal("a failed audit append committed")
	}
	if fmt.Sprint(seen) != "[organization.deleted]" {
		t.Fatalf("AfterCommit saw %v, want one organization.deleted", seen)
	}
}

// Host actions join the one policy table.
func TestAuthorize_HostAction(t *testing.T) {
	policy, err := domain.NewPolicy(map[domain.Action][]domain.Role{"appointment.cancel": {domain.RoleOwner, domain.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	d := newDeps(t, app.Config{Policy: policy})
	d.store.readRole(10, 2, domain.RoleAdmin)
	if _, _, err := d.svc.Authorize(context.Background(), member, 10, "appointment.cancel"); err != nil {
		t.Fatalf("admin: %v", err)
	}
	d.store.readRole(10, 2, domain.RoleMember)
	if _, _, err := d.svc.Authorize(context.Background(), member, 10, "appointment.cancel"); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("member: %v", err)
	}
}

// A conflict already settled (the user holds no email, another keeps the claimed one) costs
// a read, not a write and a warning, on every later request.
func TestAuthenticate_SettledConflictDoesNotWriteAgain(t *testing.T) {
	d := newDeps(t, app.Config{})
	email := "ann@example.com"
	settled := domain.User{ID: 5, Subject: "new", CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Minute)}
	d.store.users.EXPECT().Provision(gomock.Any(), "new", now).Return(settled, nil)
	d.store.users.EXPECT().EmailHolder(gomock.Any(), email).Return(domain.User{ID: 9, Email: &email, EmailVerified: true}, nil)
	// No transaction and no UpdateProfile are expected.
	p, err := d.svc.SignIn(context.Background(), domain.Identity{Subject: "new", Email: email, EmailVerified: true})
	if err != nil || p.User.Email != nil {
		t.Fatalf("%+v %v", p.User, err)
	}
}
