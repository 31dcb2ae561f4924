package gormstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/domain"
)

// TestMigrate_UpgradesUnprefixedDatabaseInPlace opens a database made by the migrations that
// had landed before every name carried the orgkit_ prefix (testdata/unprefixed, history in
// goose's default goose_db_version), with data in it, and migrates it: the data is kept,
// every name is prefixed, the history moves to orgkit_goose_db_version and the later
// migrations apply.
func TestMigrate_UpgradesUnprefixedDatabaseInPlace(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { upgradeInPlace(t, d) })
	}
}

func upgradeInPlace(t *testing.T, d gormstore.Dialect) {
	ctx := context.Background()
	s := gormtest.OpenURL(t, gormtest.URL(t, d))
	db, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	oldSchema(t, db, d)
	for _, stmt := range []string{
		"INSERT INTO organizations (name, slug, created_at, updated_at) VALUES ('Acme', 'acme', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
		"INSERT INTO users (subject, email, created_at, updated_at) VALUES ('s1', 'Ann@Example.com', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
		"INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (1, 1, 'owner', '2025-01-01T00:00:00Z')",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}

	applied, err := s.Migrate(ctx)
	if err != nil || fmt.Sprint(applied) != fmt.Sprint(migrationVersions(t, d, 3)) {
		t.Fatalf("migrate applied %v, %v; want only 3 and later after the rename", applied, err)
	}
	org, err := s.Organizations().GetBySlug(ctx, "acme")
	if err != nil || org.MembersCount != 1 {
		t.Fatalf("data lost: %+v %v", org, err)
	}
	if u, err := s.Users().EmailHolder(ctx, "ann@example.com"); err != nil || u.Subject != "s1" || u.EmailVerified {
		t.Fatalf("user lost, or its email not folded and unverified: %+v %v", u, err)
	}
	// New rows get fresh ids after the old ones, and the audit log still refuses updates.
	created, err := s.Organizations().Create(ctx, domain.Organization{Name: "Beta", Slug: "beta", Status: domain.StatusActive,
		Settings: domain.DefaultSettings(), CreatedAt: time.Now(), UpdatedAt: time.Now()})
	if err != nil || created.ID != 2 {
		t.Fatalf("create after upgrade: %+v %v", created, err)
	}
	if _, err := s.Audit().Append(ctx, domain.AuditRecord{Action: "test", TargetType: "t", TargetID: "1", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, "UPDATE orgkit_audit_logs SET action = 'x'"); err == nil {
		t.Fatal("the upgraded audit log accepts updates")
	}
	st, err := s.MigrationStatus(ctx)
	if err != nil || !st[1] || !st[2] || !st[3] {
		t.Fatalf("history not carried over: %v %v", st, err)
	}
	for _, old := range []string{"organizations", "users", "memberships", "api_keys", "audit_logs"} {
		if err := s.Exec(ctx, "SELECT 1 FROM "+old); err == nil {
			t.Errorf("table %s still exists", old)
		}
	}
}

// oldSchema applies testdata/unprefixed with goose's default version table.
func oldSchema(t *testing.T, db *sql.DB, d gormstore.Dialect) {
	t.Helper()
	dialect := goose.DialectSQLite3
	if d == gormstore.Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db, os.DirFS("testdata/unprefixed/"+string(d)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestMigrate_LeavesAHostsLookalikeTablesAlone: a host whose own tables are called
// organizations and audit_logs, with its own goose history, is not taken for an old orgkit
// database: orgkit installs its prefixed schema beside them.
func TestMigrate_LeavesAHostsLookalikeTablesAlone(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			s := gormtest.OpenURL(t, gormtest.URL(t, d))
			for _, stmt := range []string{
				"CREATE TABLE organizations (id INTEGER PRIMARY KEY, title TEXT)",
				"CREATE TABLE audit_logs (id INTEGER PRIMARY KEY, what TEXT)",
				"CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT)",
				"CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY, version_id BIGINT NOT NULL, is_applied BOOLEAN NOT NULL, tstamp TIMESTAMP)",
				"INSERT INTO goose_db_version (id, version_id, is_applied) VALUES (1, 0, TRUE), (2, 1, TRUE), (3, 2, TRUE)",
				"INSERT INTO organizations (id, title) VALUES (7, 'host row')",
			} {
				if err := s.Exec(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			applied, err := s.Migrate(ctx)
			if err != nil || fmt.Sprint(applied) != fmt.Sprint(migrationVersions(t, d, 1)) {
				t.Fatalf("migrate applied %v, %v; want a fresh install", applied, err)
			}
			if err := s.Exec(ctx, "SELECT title FROM organizations WHERE id = 7"); err != nil {
				t.Fatalf("the host's table changed: %v", err)
			}
		})
	}
}

// migrationVersions are the versions of d's migration files from min on, ascending.
func migrationVersions(t *testing.T, d gormstore.Dialect, min int64) []int64 {
	t.Helper()
	fsys, err := gormstore.Migrations(d)
	if err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(fsys, "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	var out []int64
	for _, f := range files {
		v, err := strconv.ParseInt(f[:strings.IndexByte(f, '_')], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if v >= min {
			out = append(out, v)
		}
	}
	return out
}
