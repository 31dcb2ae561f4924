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

func mustUser(t *testing.T, s *gormstore.Store, sub, email string) domain.User {
	t.Helper()
	u, err := s.Users().Provision(context.Background(), domain.Identity{Subject: sub, Email: email}, t0)
	if err != nil {
		t.Fatalf("provision %s: %v", sub, err)
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
		bySlug, err := s.Organizations().GetBySlug(ctx, "ACME")
		if err != nil || bySlug.ID != created.ID {
			t.Fatalf("by slug: %v %v", bySlug.ID, err)
		}
	})
}

func TestOrganizationRepo_SlugTakenCaseInsensitive(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		mustCreate(t, s.Organizations(), newOrg("acme"))
		_, err := s.Organizations().Create(context.Background(), newOrg("ACME"))
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
		archived := domain.StatusArchived
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
		}
		for _, c := range cases {
			if got := fmt.Sprint(list(c.q)); got != c.want {
				t.Errorf("%s: got %s, want %s", c.name, got, c.want)
			}
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
		ids, _ := s.Memberships().OrganizationIDs(ctx, u.ID)
		after, _ := s.Users().Get(ctx, u.ID)
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
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u, err := s.Users().Provision(context.Background(), domain.Identity{Subject: "sub-1", Email: "a@example.com"}, t0)
				if err != nil {
					t.Error(err)
				}
				ids[i] = u.ID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] || id == 0 {
				t.Fatalf("provisioned several users: %v", ids)
			}
		}
	})
}

func TestUserRepo_ProvisionRefreshAndConflicts(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "sub-1", "a@example.com")
		again, err := s.Users().Provision(ctx, domain.Identity{Subject: "sub-1", Email: "new@example.com", Name: "Ann"}, t0.Add(time.Hour))
		if err != nil || again.ID != u.ID || *again.Email != "new@example.com" || *again.Name != "Ann" {
			t.Fatalf("refresh: %+v %v", again, err)
		}
		if _, err := s.Users().Provision(ctx, domain.Identity{Subject: "sub-2", Email: "NEW@example.com"}, t0); !errors.Is(err, domain.ErrEmailTaken) {
			t.Fatalf("email conflict: %v", err)
		}
		byEmail, err := s.Users().GetByEmail(ctx, "New@Example.com")
		if err != nil || byEmail.ID != u.ID {
			t.Fatalf("by email: %v", err)
		}
		if _, err := s.Users().GetByEmail(ctx, "nobody@example.com"); !errors.Is(err, domain.ErrUserNotFound) {
			t.Fatalf("missing email: %v", err)
		}
		sa, err := s.Users().SetSuperadmin(ctx, "new@example.com", true)
		if err != nil || !sa.IsSuperadmin {
			t.Fatalf("grant: %+v %v", sa, err)
		}
		if _, err := s.Users().SetSuperadmin(ctx, "nobody@example.com", true); !errors.Is(err, domain.ErrUserNotFound) {
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
		if role, _ := s.Memberships().Role(ctx, a.ID, other.ID); role != "" {
			t.Fatalf("non-member role %q", role)
		}
		ids, _ := s.Memberships().OrganizationIDs(ctx, u.ID)
		if fmt.Sprint(ids) != fmt.Sprint([]int64{a.ID, b.ID}) {
			t.Fatalf("ids %v", ids)
		}
		got, _ := s.Organizations().Get(ctx, a.ID)
		if got.MembersCount != 1 {
			t.Fatalf("members_count %d", got.MembersCount)
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
