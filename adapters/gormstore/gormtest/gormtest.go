// Package gormtest gives tests an isolated, migrated database: a fresh SQLite file, or a
// fresh schema on the Postgres named by ORGKIT_TEST_POSTGRES_DSN.
package gormtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for schema setup

	"github.com/orgkit/orgkit/adapters/gormstore"
	_ "github.com/orgkit/orgkit/adapters/gormstore/sqlite" // sqlite: URLs
	"github.com/orgkit/orgkit/internal/testenv"
)

// PostgresDSN is the Postgres the integration tests use, or "" to run on SQLite only.
func PostgresDSN() string { return os.Getenv("ORGKIT_TEST_POSTGRES_DSN") }

// Dialects lists the databases to run a contract suite on: SQLite always, Postgres when
// configured. Under CI=true Postgres is mandatory: a missing DSN fails instead of skipping;
// elsewhere the test logs that it ran on SQLite only.
func Dialects(t testing.TB) []gormstore.Dialect {
	t.Helper()
	if _, ok := testenv.Optional(t, "ORGKIT_TEST_POSTGRES_DSN"); !ok {
		return []gormstore.Dialect{gormstore.SQLite}
	}
	return []gormstore.Dialect{gormstore.SQLite, gormstore.Postgres}
}

// URL returns an ORGKIT_DATABASE_URL for a new, empty database of dialect d, removed when
// the test ends.
func URL(t testing.TB, d gormstore.Dialect) string {
	t.Helper()
	if d == gormstore.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "orgkit.db")
	}
	dsn := testenv.Postgres(t)
	schema := "t_" + strings.ToLower(rand.Text()[:12])
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("gormtest: %v", err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("gormtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Logf("gormtest: drop schema %s: %v", schema, err)
		}
		if err := admin.Close(); err != nil {
			t.Logf("gormtest: %v", err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("gormtest: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated Store on a new database of dialect d.
func Open(t testing.TB, d gormstore.Dialect) *gormstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := gormstore.Open(ctx, URL(t, d))
	if err != nil {
		t.Fatalf("gormtest: open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Logf("close store: %v", err)
		}
	})
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("gormtest: %v", err)
	}
	return s
}
