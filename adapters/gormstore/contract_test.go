package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

var t0 = time.Date(2025, 3, 4, 10, 0, 0, 123456000, time.UTC)

// eachDialect runs the contract on SQLite, and on Postgres when configured.
func eachDialect(t *testing.T, fn func(t *testing.T, s *gormstore.Store)) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, gormtest.Open(t, d))
		})
	}
}

func newOrg(slug string) domain.Organization {
	return domain.Organization{Name: "Org " + slug, Slug: slug, Status: domain.StatusActive,
		Settings: domain.DefaultSettings(), Metadata: domain.Metadata{}, CreatedAt: t0, UpdatedAt: t0}
}

func mustCreate(t *testing.T, r ports.OrganizationRepo, o domain.Organization) domain.Organization {
	t.Helper()
	out, err := r.Create(context.Background(), o)
	if err != nil {
		t.Fatalf("create %s: %v", o.Slug, err)
	}
	return out
}

// mustUser provisions a user holding email, verified.
func mustUser(t *testing.T, s *gormstore.Store, sub, email string) domain.User {
	t.Helper()
	ctx := context.Background()
	u, err := s.Users().Provision(ctx, sub, t0)
	if err != nil {
		t.Fatalf("provision %s: %v", sub, err)
	}
	u.Email, u.EmailVerified = &email, true
	if err := s.Users().UpdateProfile(ctx, u); err != nil {
		t.Fatalf("set email of %s: %v", sub, err)
	}
	return u
}

func TestOrganizationRepo_CreateGet(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		o := newOrg("acme")
		tag, terms := "Tools", int64(7)
		o.Tagline, o.TemplateTermsID, o.Metadata = &tag, &terms, domain.Metadata{"tier": "gold"}
		o.Settings.DefaultRole = domain.RoleViewer
		created := mustCreate(t, s.Organizations(), o)
		if created.ID == 0 {
			t.Fatal("no id assigned")
		}
		got, err := s.Organizations().Get(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Slug != "acme" || *got.Tagline != "Tools" || *got.TemplateTermsID != 7 || got.Description != nil ||
			got.Metadata["tier"] != "gold" || got.Settings.DefaultRole != domain.RoleViewer || !got.CreatedAt.Equal(t0) {
			t.Fatalf("round trip lost data: %+v", got)
		}
		if _, err := s.Organizations().Get(ctx, created.ID+100); !errors.Is(err, domain.ErrOrganizationNotFound) {
			t.Fatalf("missing id: got %v", err)
		}
		bySlug, err := s.Organizations().GetBySlug(ctx, "acme")
		if err != nil || bySlug.ID != created.ID {
			t.Fatalf("by slug: %v %v", bySlug.ID, err)
		}
		// Slugs arrive normalized (domain.NormalizeSlug); the store compares exactly, so no
		// database's own case folding (Postgres turns the Kelvin sign into k) can match.
		for _, other := range []string{"ACME", "\u212acme"} {
			if _, err := s.Organizations().GetBySlug(ctx, other); !errors.Is(err, domain.ErrOrganizationNotFound) {
				t.Fatalf("by slug %q: got %v, want organization_not_found", other, err)
			}
		}
	})
}

func TestOrganizationRepo_GetForUpdate(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		o := mustCreate(t, s.Organizations(), newOrg("acme"))
		err := s.Do(ctx, func(tx ports.Repos) error {
			got, err := tx.Organizations().GetForUpdate(ctx, o.ID)
			if err != nil || got.Slug != "acme" {
				t.Errorf("lock existing: %+v %v", got, err)
			}
			_, err = tx.Organizations().GetForUpdate(ctx, o.ID+100)
			return err
		})
		if !errors.Is(err, domain.ErrOrganizationNotFound) {
			t.Fatalf("lock missing: got %v, want organization_not_found", err)
		}
	})
}

func TestOrganizationRepo_SlugTaken(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		mustCreate(t, s.Organizations(), newOrg("acme"))
		_, err := s.Organizations().Create(context.Background(), newOrg("acme"))
		if !errors.Is(err, domain.ErrSlugTaken) {
			t.Fatalf("got %v, want slug_taken", err)
		}
	})
}

func TestOrganizationRepo_ConcurrentSlug(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Do(context.Background(), func(tx ports.Repos) error {
					_, err := tx.Organizations().Create(context.Background(), newOrg("race"))
					return err
				})
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, domain.ErrSlugTaken):
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d winners, want 1", wins)
		}
	})
}

func TestOrganizationRepo_Update(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		o := newOrg("acme")
		tag, loc := "old", "Paris"
		o.Tagline, o.Location = &tag, &loc
		o = mustCreate(t, s.Organizations(), o)
		o.Tagline, o.Name, o.Location = nil, "Renamed", nil // Location changes in memory only
		o.Settings.AllowPublicSignup = true
		o.UpdatedAt = t0.Add(time.Hour)
		got, err := s.Organizations().Update(ctx, o, []string{domain.ColTagline, domain.ColName, domain.ColSettings})
		if err != nil {
			t.Fatal(err)
		}
		if got.Tagline != nil || got.Name != "Renamed" || got.Location == nil || *got.Location != "Paris" ||
			!got.Settings.AllowPublicSignup || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("update wrote the wrong columns: %+v", got)
		}
		o.ID = 999
		if _, err := s.Organizations().Update(ctx, o, []string{domain.ColName}); !errors.Is(err, domain.ErrOrganizationNotFound) {
			t.Fatalf("missing: %v", err)
		}
	})
}

func TestOrganizationRepo_List(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "u1", "u1@example.com")
		for i, slug := range []string{"charlie", "alpha", "bravo-100", "delta"} {
			o := newOrg(slug)
			o.Name = fmt.Sprintf("%s co", slug)
			o.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
			if slug == "delta" {
				o.Status = domain.StatusArchived
			}
			o = mustCreate(t, s.Organizations(), o)
			if slug != "charlie" {
				if _, err := s.Memberships().Create(ctx, domain.Membership{OrganizationID: o.ID, UserID: u.ID, Role: domain.RoleMember, CreatedAt: t0}); err != nil {
					t.Fatal(err)
				}
			}
		}
		list := func(q domain.OrganizationQuery) []string {
			t.Helper()
			if q.Page == 0 {
				q.Page, q.PageSize = 1, 10
			}
			p, err := s.Organizations().List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var slugs []string
			for _, o := range p.Items {
				slugs = append(slugs, o.Slug)
			}
			return append(slugs, fmt.Sprint(p.Total))
		}
		archived, active := domain.StatusArchived, domain.StatusActive
		cases := []struct {
			name string
			q    domain.OrganizationQuery
			want string
		}{
			{"by name", domain.OrganizationQuery{Sort: domain.Sort{Field: "name"}}, "[alpha bravo-100 charlie delta 4]"},
			{"created desc", domain.OrganizationQuery{Sort: domain.Sort{Field: "created_at", Desc: true}}, "[delta bravo-100 alpha charlie 4]"},
			{"member only", domain.OrganizationQuery{Sort: domain.Sort{Field: "name"}, MemberID: &u.ID}, "[alpha bravo-100 delta 3]"},
			{"status", domain.OrganizationQuery{Sort: domain.Sort{Field: "name"}, Status: &archived}, "[delta 1]"},
			{"search", domain.OrganizationQuery{Sort: domain.Sort{Field: "name"}, Search: "BRAVO"}, "[bravo-100 1]"},
			{"search escapes like", domain.OrganizationQuery{Sort: domain.Sort{Field: "name"}, Search: "%"}, "[0]"},
			{"page 2", domain.OrganizationQuery{Sort: domain.Sort{Field: "name"}, Page: 2, PageSize: 3}, "[delta 4]"},
			{"member page 2", domain.OrganizationQuery{Sort: domain.Sort{Field: "name"}, MemberID: &u.ID, Page: 2, PageSize: 2}, "[delta 3]"},
			{"status page 2", domain.OrganizationQuery{Sort: domain.Sort{Field: "name", Desc: true}, Status: &active, Page: 2, PageSize: 2}, "[alpha 3]"},
			{"search page 2", domain.OrganizationQuery{Sort: domain.Sort{Field: "name"}, Search: "O", Page: 2, PageSize: 2}, "[charlie delta 4]"},
			{"past the end", domain.OrganizationQuery{Sort: domain.Sort{Field: "name"}, MemberID: &u.ID, Page: 3, PageSize: 2}, "[3]"},
		}
		for _, c := range cases {
			if got := fmt.Sprint(list(c.q)); got != c.want {
				t.Errorf("%s: got %s, want %s", c.name, got, c.want)
			}
		}
	})
}

func TestOrganizationRepo_ListSortsOnlyByKnownColumns(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		q := domain.OrganizationQuery{Page: 1, PageSize: 10, Sort: domain.Sort{Field: "name; DROP TABLE orgkit_organizations"}}
		if _, err := s.Organizations().List(context.Background(), q); domain.CodeOf(err) != domain.CodeValidation {
			t.Fatalf("got %v, want validation_error", err)
		}
	})
}

func TestOrganizationRepo_DeleteRemovesAssociatedData(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "u1", "u1@example.com")
		o := mustCreate(t, s.Organizations(), newOrg("acme"))
		if _, err := s.Memberships().Create(ctx, domain.Membership{OrganizationID: o.ID, UserID: u.ID, Role: domain.RoleOwner, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := s.Users().SetCurrentOrganization(ctx, u.ID, o.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Do(ctx, func(tx ports.Repos) error { return tx.Organizations().Delete(ctx, o.ID) }); err != nil {
			t.Fatal(err)
		}
		ids, err := s.Memberships().OrganizationIDs(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		after, err := s.Users().Get(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 0 || after.CurrentOrganizationID != nil {
			t.Fatalf("left behind: memberships %v, current %v", ids, after.CurrentOrganizationID)
		}
		if err := s.Organizations().Delete(ctx, o.ID); !errors.Is(err, domain.ErrOrganizationNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestUserRepo_ProvisionConcurrent(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		var wg sync.WaitGroup
		ids := make([]int64, 20)
		errs := make([]error, 20)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u, err := s.Users().Provision(context.Background(), "sub-1", t0)
				ids[i], errs[i] = u.ID, err
			}()
		}
		wg.Wait()
		for i, id := range ids {
			if errs[i] != nil || id != ids[0] || id == 0 {
				t.Fatalf("provisioned several users: %v %v", ids, errs)
			}
		}
	})
}

func TestUserRepo_EmailsAndProfiles(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "sub-1", "a@example.com")
		name := "Ann"
		u.Name, u.UpdatedAt = &name, t0.Add(time.Hour)
		if err := s.Users().UpdateProfile(ctx, u); err != nil {
			t.Fatal(err)
		}
		got, err := s.Users().GetBySubject(ctx, "sub-1")
		if err != nil || got.ID != u.ID || *got.Name != "Ann" || *got.Email != "a@example.com" || !got.EmailVerified || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("profile round trip: %+v %v", got, err)
		}
		other, err := s.Users().Provision(ctx, "sub-2", t0)
		if err != nil {
			t.Fatal(err)
		}
		other.Email = u.Email
		if err := s.Users().UpdateProfile(ctx, other); !errors.Is(err, domain.ErrEmailTaken) {
			t.Fatalf("second holder of an email: got %v, want email_taken", err)
		}
		byEmail, err := s.Users().GetByVerifiedEmail(ctx, "a@example.com")
		if err != nil || byEmail.ID != u.ID {
			t.Fatalf("by verified email: %+v %v", byEmail, err)
		}
		// Stored emails are normalized; look-ups are exact.
		for _, e := range []string{"A@example.com", "nobody@example.com"} {
			if _, err := s.Users().GetByVerifiedEmail(ctx, e); !errors.Is(err, domain.ErrUserNotFound) {
				t.Fatalf("by email %q: got %v, want user_not_found", e, err)
			}
		}
		unverified := "b@example.com"
		other.Email, other.EmailVerified = &unverified, false
		if err := s.Users().UpdateProfile(ctx, other); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Users().GetByVerifiedEmail(ctx, unverified); !errors.Is(err, domain.ErrUserNotFound) {
			t.Fatalf("an unverified holder was found by verified email: %v", err)
		}
		if h, err := s.Users().EmailHolder(ctx, unverified); err != nil || h.ID != other.ID || h.EmailVerified {
			t.Fatalf("email holder: %+v %v", h, err)
		}
		if _, err := s.Users().GetBySubject(ctx, "nobody"); !errors.Is(err, domain.ErrUserNotFound) {
			t.Fatalf("missing subject: %v", err)
		}
		missing := domain.User{ID: 9999}
		if err := s.Users().UpdateProfile(ctx, missing); !errors.Is(err, domain.ErrUserNotFound) {
			t.Fatalf("update missing user: %v", err)
		}
		if err := s.Users().SetSuperadmin(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if sa, err := s.Users().Get(ctx, u.ID); err != nil || !sa.IsSuperadmin {
			t.Fatalf("grant: %+v %v", sa, err)
		}
		if err := s.Users().SetSuperadmin(ctx, 9999, true); !errors.Is(err, domain.ErrUserNotFound) {
			t.Fatalf("grant missing: %v", err)
		}
	})
}

func TestMembershipRepo(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "sub-1", "a@example.com")
		a := mustCreate(t, s.Organizations(), newOrg("alpha"))
		b := mustCreate(t, s.Organizations(), newOrg("bravo"))
		for _, o := range []domain.Organization{b, a} {
			if _, err := s.Memberships().Create(ctx, domain.Membership{OrganizationID: o.ID, UserID: u.ID, Role: domain.RoleAdmin, CreatedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := s.Memberships().Create(ctx, domain.Membership{OrganizationID: a.ID, UserID: u.ID, Role: domain.RoleViewer, CreatedAt: t0})
		if !errors.Is(err, domain.ErrUserAlreadyConnected) {
			t.Fatalf("duplicate: %v", err)
		}
		role, err := s.Memberships().Role(ctx, a.ID, u.ID)
		if err != nil || role != domain.RoleAdmin {
			t.Fatalf("role: %q %v", role, err)
		}
		other := mustUser(t, s, "sub-2", "b@example.com")
		if role, err := s.Memberships().Role(ctx, a.ID, other.ID); err != nil || role != "" {
			t.Fatalf("non-member role %q %v", role, err)
		}
		ids, err := s.Memberships().OrganizationIDs(ctx, u.ID)
		if err != nil || fmt.Sprint(ids) != fmt.Sprint([]int64{a.ID, b.ID}) {
			t.Fatalf("ids %v %v", ids, err)
		}
		got, err := s.Organizations().Get(ctx, a.ID)
		if err != nil || got.MembersCount != 1 {
			t.Fatalf("members_count %d %v", got.MembersCount, err)
		}
	})
}

func TestUnitOfWork_RollsBack(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := s.Do(ctx, func(tx ports.Repos) error {
			if _, err := tx.Organizations().Create(ctx, newOrg("acme")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		if _, err := s.Organizations().GetBySlug(ctx, "acme"); !errors.Is(err, domain.ErrOrganizationNotFound) {
			t.Fatalf("rolled-back row is visible: %v", err)
		}
	})
}

func TestMigrate_Idempotent(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		applied, err := s.Migrate(context.Background())
		if err != nil || len(applied) != 0 {
			t.Fatalf("second migrate applied %v, %v", applied, err)
		}
		st, err := s.MigrationStatus(context.Background())
		if err != nil || !st[1] {
			t.Fatalf("status %v %v", st, err)
		}
	})
}

// Totals read from the counts the triggers keep follow creates, status changes and deletes,
// on pages with rows, past the end and by cursor.
func TestOrganizationRepo_ListTotalsFollowChanges(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		var orgs []domain.Organization
		for _, slug := range []string{"alpha", "bravo", "charlie", "delta"} {
			orgs = append(orgs, mustCreate(t, s.Organizations(), newOrg(slug)))
		}
		total := func(q domain.OrganizationQuery) int64 {
			t.Helper()
			q.Sort.Field = "name"
			if q.Page == 0 {
				q.Page = 1
			}
			if q.PageSize == 0 {
				q.PageSize = 2
			}
			p, err := s.Organizations().List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return p.Total
		}
		active, archived := domain.StatusActive, domain.StatusArchived
		o := orgs[3]
		o.Status = domain.StatusArchived
		if _, err := s.Organizations().Update(ctx, o, []string{domain.ColStatus}); err != nil {
			t.Fatal(err)
		}
		if err := s.Organizations().Delete(ctx, orgs[0].ID); err != nil {
			t.Fatal(err)
		}
		after := domain.CursorAfter(domain.Sort{Field: "name"}, orgs[1])
		for _, c := range []struct {
			name string
			q    domain.OrganizationQuery
			want int64
		}{
			{"all", domain.OrganizationQuery{}, 3},
			{"active", domain.OrganizationQuery{Status: &active}, 2},
			{"archived", domain.OrganizationQuery{Status: &archived}, 1},
			{"past the end", domain.OrganizationQuery{Page: 9}, 3},
			{"by cursor", domain.OrganizationQuery{After: after}, 3},
			{"search by cursor", domain.OrganizationQuery{After: after, Search: "a"}, 3},
			{"search past the end", domain.OrganizationQuery{Search: "charlie", Page: 5}, 1},
		} {
			if got := total(c.q); got != c.want {
				t.Errorf("%s: total %d, want %d", c.name, got, c.want)
			}
		}
	})
}

func TestOrganizationRepo_GetWithRole(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "u1", "u1@example.com")
		o := mustCreate(t, s.Organizations(), newOrg("acme"))
		got, role, err := s.Organizations().GetWithRole(ctx, o.ID, u.ID)
		if err != nil || role != "" || got.Slug != "acme" || got.MembersCount != 0 {
			t.Fatalf("outsider: %+v %q %v", got, role, err)
		}
		if _, err := s.Memberships().Create(ctx, domain.Membership{OrganizationID: o.ID, UserID: u.ID, Role: domain.RoleAdmin, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if got, role, err = s.Organizations().GetWithRole(ctx, o.ID, u.ID); err != nil || role != domain.RoleAdmin || got.MembersCount != 1 {
			t.Fatalf("admin: %+v %q %v", got, role, err)
		}
		if _, _, err := s.Organizations().GetWithRole(ctx, o.ID+100, u.ID); !errors.Is(err, domain.ErrOrganizationNotFound) {
			t.Fatalf("missing: %v", err)
		}
	})
}
