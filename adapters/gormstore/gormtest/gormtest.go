// Package gormtest gives tests an isolated, migrated database: a fresh SQLite file, or a
// fresh schema on the Postgres named by ORGKIT_TEST_POSTGRES_DSN.
package gormtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for schema setup

	"github.com/orgkit/orgkit/adapters/gormstore"
)

// PostgresDSN is the Postgres the integration tests use, or "" to run on SQLite only.
func PostgresDSN() string { return os.Getenv("ORGKIT_TEST_POSTGRES_DSN") }

// Dialects lists the databases to run a contract suite on: SQLite always, Postgres when
// configured. Under CI=true Postgres is mandatory: a missing DSN fails instead of skipping.
func Dialects(t testing.TB) []gormstore.Dialect {
	t.Helper()
	if PostgresDSN() == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("gormtest: CI=true but ORGKIT_TEST_POSTGRES_DSN is not set")
		}
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
	dsn := PostgresDSN()
	if dsn == "" {
		t.Fatal("gormtest: ORGKIT_TEST_POSTGRES_DSN is not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("gormtest: %v", err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("gormtest: create schema: %v", err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
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
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("gormtest: %v", err)
	}
	return s
}
