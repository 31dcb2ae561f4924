package gormstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/internal/testenv"
	"github.com/orgkit/orgkit/ports"
)

// largeTables grow with the platform: a hot query never reads one of them whole.
var largeTables = []string{"orgkit_organizations", "orgkit_memberships", "orgkit_users", "orgkit_domains"}

// TestExplain_HotQueriesUseIndexes seeds 100,000 organizations (3 members each), runs every
// hot repository method and asks Postgres for the plan of each statement it sent: none may
// scan a large table sequentially. Postgres only (the plans that matter at scale); under
// CI=true a missing ORGKIT_TEST_POSTGRES_DSN fails.
func TestExplain_HotQueriesUseIndexes(t *testing.T) {
	testenv.Postgres(t)
	ctx := context.Background()
	db, err := gormstore.OpenDB(ctx, gormtest.URL(t, gormstore.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqlDB.Close() })
	rec := recordSQL(t, db)
	s, err := gormstore.New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := gormstore.Seed(ctx, s, gormstore.SeedOptions{Organizations: 100_000, MembersPerOrg: 3})
	if err != nil {
		t.Fatal(err)
	}
	analyze(t, sqlDB)
	t.Logf("seeded %+v", res)

	// The check itself finds a sequential scan where there is one.
	if plan := explain(t, sqlDB, "SELECT id FROM orgkit_organizations WHERE tagline = $1", []any{"x"}); !seqScansLarge(t, plan) {
		t.Fatalf("a scan of every organization went unnoticed:\n%s", plan)
	}

	for _, q := range hotQueries(ctx, s) {
		rec.reset()
		if err := q.run(); err != nil {
			t.Errorf("%s: %v", q.name, err)
			continue
		}
		stmts := rec.take()
		if len(stmts) == 0 {
			t.Errorf("%s: no SQL recorded", q.name)
		}
		for _, st := range stmts {
			if plan := explain(t, sqlDB, st.sql, st.vars); seqScansLarge(t, plan) {
				t.Errorf("%s scans a large table sequentially:\n%s\nargs %v\n%s", q.name, st.sql, st.vars, textPlan(t, sqlDB, st))
			}
		}
	}
}

// analyze gathers statistics from (nearly) every row, so the plans are the same each run:
// from the default sample, a consultant's 1,000 organizations (1% of them) are estimated
// differently from run to run, and so planned.
func analyze(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, stmt := range []string{"SET default_statistics_target = 1000", "ANALYZE " + strings.Join(largeTables, ", "), "RESET default_statistics_target"} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

type hotQuery struct {
	name string
	run  func() error
}

// hotQueries are the repository calls a request makes, on the seed's data: user 1 is a
// consultant in 1,000 organizations, user 5000 a member of a few.
func hotQueries(ctx context.Context, s *gormstore.Store) []hotQuery {
	const org, member, consultant = int64(4242), int64(5000), int64(1)
	orgs, members, users, domains := s.Organizations(), s.Memberships(), s.Users(), s.Domains()
	list := func(q domain.OrganizationQuery) func() error {
		return func() error {
			q.Page = 1
			if q.PageSize == 0 {
				q.PageSize = 25
			}
			if q.Sort.Field == "" {
				q.Sort.Field = "name"
			}
			first, err := orgs.List(ctx, q)
			if err != nil || first.Next == nil {
				return err
			}
			q.After = first.Next // and the page after, by its cursor
			_, err = orgs.List(ctx, q)
			return err
		}
	}
	id, susp, active := func(v int64) *int64 { return &v }, domain.StatusSuspended, domain.StatusActive
	qs := []hotQuery{
		{"Organizations.Get", func() error { _, err := orgs.Get(ctx, org); return err }},
		{"Organizations.GetWithRole", func() error { _, _, err := orgs.GetWithRole(ctx, org, member); return err }},
		{"Organizations.GetBySlug", func() error { _, err := orgs.GetBySlug(ctx, "org-0004242"); return err }},
		{"Organizations.PublicBySlug miss", notFound(func() error { _, err := orgs.PublicBySlug(ctx, "no-such-org"); return err })},
		{"Organizations.PublicBySlug", func() error { _, err := orgs.PublicBySlug(ctx, "org-0000002"); return ignoreNotFound(err) }},
		{"Domains.PublicOrganization miss", notFound(func() error { _, err := domains.PublicOrganization(ctx, "nope.seed.example"); return err })},
		{"Domains.PublicOrganization", func() error {
			_, err := domains.PublicOrganization(ctx, "org11.seed.example")
			return ignoreNotFound(err)
		}},
		{"Domains.List", func() error { _, err := domains.List(ctx, 4241); return err }},
		{"Organizations.Joinable", func() error { _, err := orgs.Joinable(ctx, "org11.seed.example", member); return err }},
		{"List member", list(domain.OrganizationQuery{MemberID: id(member)})},
		{"List member by created_at desc", list(domain.OrganizationQuery{MemberID: id(member), Sort: domain.Sort{Field: "created_at", Desc: true}})},
		{"List consultant 25", list(domain.OrganizationQuery{MemberID: id(consultant)})},
		{"List consultant 100", list(domain.OrganizationQuery{MemberID: id(consultant), PageSize: 100})},
		{"List consultant q", list(domain.OrganizationQuery{MemberID: id(consultant), Search: "health"})},
		{"List all deep page", func() error {
			_, err := orgs.List(ctx, domain.OrganizationQuery{Page: 2000, PageSize: 25, Sort: domain.Sort{Field: "name"}})
			return err
		}},
		{"List all q=acme", list(domain.OrganizationQuery{Search: "acme"})},
		{"List all q=acme by created_at", list(domain.OrganizationQuery{Search: "acme", Sort: domain.Sort{Field: "created_at"}})},
		{"List suspended", list(domain.OrganizationQuery{Status: &susp})},
		{"List active", list(domain.OrganizationQuery{Status: &active})},
		{"List suspended by updated_at desc", list(domain.OrganizationQuery{Status: &susp, Sort: domain.Sort{Field: "updated_at", Desc: true}})},
		{"List suspended q=acme", list(domain.OrganizationQuery{Status: &susp, Search: "acme"})},
		{"Memberships.Role", func() error { _, err := members.Role(ctx, org, member); return err }},
		{"Memberships.OrganizationIDs", func() error { _, err := members.OrganizationIDs(ctx, consultant); return err }},
		{"Memberships.List", func() error {
			_, err := members.List(ctx, org, domain.MemberQuery{Page: 1, PageSize: 25})
			return err
		}},
		{"Memberships.List q", func() error {
			_, err := members.List(ctx, org, domain.MemberQuery{Page: 1, PageSize: 25, Q: "user-5"})
			return err
		}},
		{"Memberships.Get", func() error {
			_, err := members.Get(ctx, org, consultant)
			return ignore(err, domain.ErrMemberNotFound)
		}},
		{"Memberships.CountOwners", func() error { _, err := members.CountOwners(ctx, org); return err }},
		{"Users.Get", func() error { _, err := users.Get(ctx, member); return err }},
		{"Users.GetBySubject", func() error { _, err := users.GetBySubject(ctx, "seed|5000"); return err }},
		{"Users.GetByVerifiedEmail", func() error { _, err := users.GetByVerifiedEmail(ctx, "user-5000@seed.example"); return err }},
		{"Organizations.Delete (rolled back)", func() error {
			err := s.Do(ctx, func(tx ports.Repos) error {
				if err := tx.Organizations().Delete(ctx, org); err != nil {
					return err
				}
				return errRollback
			})
			return ignore(err, errRollback)
		}},
	}
	for _, f := range []string{"name", "created_at", "updated_at"} {
		for _, desc := range []bool{false, true} {
			srt := domain.Sort{Field: f, Desc: desc}
			qs = append(qs, hotQuery{"List all by " + srt.Field + map[bool]string{true: " desc"}[desc], list(domain.OrganizationQuery{Sort: srt})})
		}
	}
	return qs
}

var errRollback = errors.New("roll back")

func ignore(err, want error) error {
	if errors.Is(err, want) {
		return nil
	}
	return err
}

func ignoreNotFound(err error) error { return ignore(err, domain.ErrOrganizationNotFound) }

// notFound expects organization_not_found of fn.
func notFound(fn func() error) func() error {
	return func() error {
		if err := fn(); !errors.Is(err, domain.ErrOrganizationNotFound) {
			return errors.Join(errors.New("want organization_not_found"), err)
		}
		return nil
	}
}

type statement struct {
	sql  string
	vars []any
}

// sqlRecorder keeps the statements GORM sent, with their arguments.
type sqlRecorder struct {
	mu    sync.Mutex
	stmts []statement
}

func (r *sqlRecorder) reset() { r.mu.Lock(); r.stmts = nil; r.mu.Unlock() }

func (r *sqlRecorder) take() []statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stmts
}

// recordSQL registers callbacks on db, which New's sessions share, that record each
// statement after it ran.
func recordSQL(t *testing.T, db *gorm.DB) *sqlRecorder {
	t.Helper()
	rec := &sqlRecorder{}
	record := func(tx *gorm.DB) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.stmts = append(rec.stmts, statement{tx.Statement.SQL.String(), slices.Clone(tx.Statement.Vars)})
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("orgkit_test:record", record),
		cb.Row().After("gorm:row").Register("orgkit_test:record", record),
		cb.Raw().After("gorm:raw").Register("orgkit_test:record", record),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return rec
}

// explain is the JSON plan of query with args.
func explain(t *testing.T, db *sql.DB, query string, args []any) string {
	t.Helper()
	var plan string
	if err := db.QueryRowContext(context.Background(), "EXPLAIN (FORMAT JSON) "+query, args...).Scan(&plan); err != nil {
		t.Fatalf("explain %s %v: %v", query, args, err)
	}
	return plan
}

// textPlan is the plan as people read it.
func textPlan(t *testing.T, db *sql.DB, st statement) string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "EXPLAIN "+st.sql, st.vars...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Plans    []planNode `json:"Plans"`
}

// seqScansLarge reports whether the JSON plan has a Seq Scan of a large table.
func seqScansLarge(t *testing.T, plan string) bool {
	t.Helper()
	var top []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(plan), &top); err != nil || len(top) != 1 {
		t.Fatalf("plan %s: %v", plan, err)
	}
	var walk func(n planNode) bool
	walk = func(n planNode) bool {
		if n.NodeType == "Seq Scan" && slices.Contains(largeTables, n.Relation) {
			return true
		}
		return slices.ContainsFunc(n.Plans, walk)
	}
	return walk(top[0].Plan)
}
