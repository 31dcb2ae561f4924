package gormstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/domain"
)

// queryInt reads one number with raw SQL.
func queryInt(t *testing.T, s *gormstore.Store, q string) int64 {
	t.Helper()
	db, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// assertCounts checks orgkit_organization_counts against a count of the rows.
func assertCounts(t *testing.T, s *gormstore.Store) {
	t.Helper()
	for _, st := range []string{"active", "suspended", "archived"} {
		want := queryInt(t, s, "SELECT count(*) FROM orgkit_organizations WHERE status = '"+st+"'")
		if got := queryInt(t, s, "SELECT n FROM orgkit_organization_counts WHERE status = '"+st+"'"); got != want {
			t.Errorf("orgkit_organization_counts says %d %s, the table has %d", got, st, want)
		}
	}
	if n := queryInt(t, s, "SELECT count(*) FROM orgkit_organization_counts"); n != 3 {
		t.Errorf("orgkit_organization_counts has %d rows, want one a status", n)
	}
	if n := queryInt(t, s, `SELECT count(*) FROM orgkit_organizations o
		WHERE members_count <> (SELECT count(*) FROM orgkit_memberships m WHERE m.organization_id = o.id)`); n != 0 {
		t.Errorf("%d organizations' members_count differs from their memberships", n)
	}
}

func TestSeed(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		const orgs, members = 2000, 5
		res, err := gormstore.Seed(ctx, s, gormstore.SeedOptions{Organizations: orgs, MembersPerOrg: members, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		// Users: 2 consultants (one a 1,000 organizations) and orgs*members/10 regular ones.
		want := gormstore.SeedResult{Organizations: orgs, Users: 2 + orgs*members/10, Memberships: orgs * members, Domains: orgs / 10,
			FirstOrganizationID: 1, FirstUserID: 1, Took: res.Took}
		if res != want || res.Took <= 0 {
			t.Fatalf("seed answered %+v, want %+v", res, want)
		}
		for q, want := range map[string]int64{
			"SELECT count(*) FROM orgkit_organizations":                                                                              orgs,
			"SELECT count(*) FROM orgkit_users WHERE email = 'user-' || id || '@seed.example' AND email_verified":                    want.Users,
			"SELECT count(*) FROM orgkit_users":                                                                                      want.Users,
			"SELECT count(*) FROM orgkit_memberships":                                                                                orgs * members,
			"SELECT count(DISTINCT user_id) FROM orgkit_memberships":                                                                 want.Users,
			"SELECT count(*) FROM orgkit_memberships WHERE role = 'owner'":                                                           orgs,
			"SELECT count(*) FROM (SELECT organization_id FROM orgkit_memberships GROUP BY organization_id HAVING count(*) = 5) x":   orgs,
			"SELECT count(*) FROM orgkit_domains WHERE status = 'verified' AND domain = 'org' || organization_id || '.seed.example'": orgs / 10,
			"SELECT count(*) FROM orgkit_organizations WHERE status <> 'active'":                                                     133,
		} {
			if got := queryInt(t, s, q); got != want {
				t.Errorf("%s: %d, want %d", q, got, want)
			}
		}
		assertCounts(t, s)

		o, err := s.Organizations().GetBySlug(ctx, "org-0000001")
		if err != nil || o.ID != 1 || o.Name != "Noriworks Health 0000001" || o.MembersCount != members ||
			!o.CreatedAt.Equal(t0.Add(-3*365*24*time.Hour+3*365*24*time.Hour/orgs)) {
			t.Fatalf("organization 1: %+v %v", o, err)
		}
		ids, err := s.Memberships().OrganizationIDs(ctx, 1)
		if err != nil || len(ids) != 1000 {
			t.Fatalf("the first consultant is in %d organizations, want 1,000 (%v)", len(ids), err)
		}
		// One word of 4,096 (Acme is one, about 250 a million): a search finds a few.
		found, err := s.Organizations().List(ctx, domain.OrganizationQuery{Page: 1, PageSize: 10, Sort: domain.Sort{Field: "name"}, Search: "NORIWORKS"})
		if err != nil || found.Total < 1 || found.Total > orgs/100 {
			t.Fatalf("q=NORIWORKS matched %d of %d organizations, want a few (%v)", found.Total, orgs, err)
		}
		pub, err := s.Domains().PublicOrganization(ctx, "org1.seed.example")
		if err != nil || pub.Slug != "org-0000001" {
			t.Fatalf("resolve org1.seed.example: %+v %v", pub, err)
		}
		// The foreign keys are in place (Postgres re-creates them after the load).
		if err := s.Exec(ctx, "INSERT INTO orgkit_memberships (organization_id, user_id, role, created_at) VALUES (1, 999999, 'member', ?)", t0); err == nil {
			t.Fatal("a membership of a user who does not exist was accepted")
		}

		// The ids were handed out: the app's next ones follow them.
		created := mustCreate(t, s.Organizations(), newOrg("after-seed"))
		u, err := s.Users().Provision(ctx, "after-seed", t0)
		if err != nil || created.ID != orgs+1 || u.ID != want.Users+1 {
			t.Fatalf("after the seed: organization %d, user %d (%v); want %d and %d", created.ID, u.ID, err, orgs+1, want.Users+1)
		}

		if _, err := gormstore.Seed(ctx, s, gormstore.SeedOptions{Organizations: 10, MembersPerOrg: 2}); !errors.Is(err, gormstore.ErrSeedNotEmpty) {
			t.Fatalf("seeding a database with organizations: %v, want ErrSeedNotEmpty", err)
		}
		more, err := gormstore.Seed(ctx, s, gormstore.SeedOptions{Organizations: 10, MembersPerOrg: 2, Force: true, Now: t0})
		if err != nil || more.FirstOrganizationID != orgs+2 || more.FirstUserID != want.Users+2 || more.Users != 1+2 || more.Memberships != 20 {
			t.Fatalf("forced seed: %+v %v", more, err)
		}
		if n := queryInt(t, s, "SELECT count(*) FROM orgkit_organizations"); n != orgs+1+10 {
			t.Fatalf("%d organizations after the forced seed, want %d", n, orgs+1+10)
		}
		assertCounts(t, s)
	})
}

func TestSeed_RefusesBadOptions(t *testing.T) {
	s := gormtest.Open(t, gormstore.SQLite)
	for _, o := range []gormstore.SeedOptions{{Organizations: 0, MembersPerOrg: 1}, {Organizations: 1, MembersPerOrg: 0}, {Organizations: -1, MembersPerOrg: 1}} {
		if _, err := gormstore.Seed(context.Background(), s, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if n := queryInt(t, s, "SELECT count(*) FROM orgkit_users"); n != 0 {
		t.Fatalf("refused seeds wrote %d users", n)
	}
}

// TestOrganizationCounts: the triggers of migration 6 keep orgkit_organization_counts exact
// through the repository's inserts, status changes and deletes, and the migration counts
// the rows already there (down and up again).
func TestOrganizationCounts(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		a := mustCreate(t, s.Organizations(), newOrg("a"))
		b := mustCreate(t, s.Organizations(), newOrg("b"))
		mustCreate(t, s.Organizations(), newOrg("c"))
		a.Status = domain.StatusSuspended
		if _, err := s.Organizations().Update(ctx, a, []string{domain.ColStatus}); err != nil {
			t.Fatal(err)
		}
		b.Name = "renamed"
		if _, err := s.Organizations().Update(ctx, b, []string{domain.ColName, domain.ColStatus}); err != nil {
			t.Fatal(err)
		}
		if err := s.Organizations().Delete(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if got := queryInt(t, s, "SELECT n FROM orgkit_organization_counts WHERE status = 'active'"); got != 1 {
			t.Fatalf("active: %d, want 1", got)
		}
		assertCounts(t, s)

		if _, err := gormstore.Seed(ctx, s, gormstore.SeedOptions{Organizations: 300, MembersPerOrg: 1, Force: true}); err != nil {
			t.Fatal(err)
		}
		assertCounts(t, s)
		if err := s.Exec(ctx, "UPDATE orgkit_organizations SET status = 'archived' WHERE id % 7 = 0"); err != nil {
			t.Fatal(err)
		}
		if err := s.Exec(ctx, "DELETE FROM orgkit_memberships WHERE organization_id % 5 IN (0, 1)"); err != nil {
			t.Fatal(err) // organizations 5n+1 stay, without members
		}
		if err := s.Exec(ctx, "DELETE FROM orgkit_domains WHERE organization_id % 5 = 0"); err != nil {
			t.Fatal(err)
		}
		if err := s.Exec(ctx, "DELETE FROM orgkit_organizations WHERE id % 5 = 0"); err != nil {
			t.Fatal(err)
		}
		assertCounts(t, s)

		migrateTo(t, s, 5)
		if err := s.Exec(ctx, "SELECT 1 FROM orgkit_organization_counts"); err == nil {
			t.Fatal("orgkit_organization_counts outlived migration 6 down")
		}
		if err := s.Exec(ctx, "UPDATE orgkit_organizations SET status = 'suspended' WHERE id % 3 = 0"); err != nil {
			t.Fatal(err)
		}
		if err := s.Exec(ctx, "DELETE FROM orgkit_memberships WHERE organization_id % 3 = 1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		assertCounts(t, s)

		if s.Dialect() == gormstore.Postgres {
			if err := s.Exec(ctx, "TRUNCATE orgkit_memberships"); err != nil {
				t.Fatal(err)
			}
			assertCounts(t, s) // members_count back to 0
			if err := s.Exec(ctx, "TRUNCATE orgkit_organizations CASCADE"); err != nil {
				t.Fatal(err)
			}
			assertCounts(t, s)
		}
	})
}

// migrateTo rolls orgkit's migrations back to version with goose.
func migrateTo(t *testing.T, s *gormstore.Store, version int64) {
	t.Helper()
	fsys, err := gormstore.Migrations(s.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	db, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	dialect := goose.DialectSQLite3
	if s.Dialect() == gormstore.Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db, fsys, goose.WithTableName(gormstore.VersionTable))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
}
