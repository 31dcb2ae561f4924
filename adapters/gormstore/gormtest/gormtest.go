// Package gormtest gives tests an isolated, migrated database: a fresh SQLite file, or a
// fresh schema on the Postgres named by ORGKIT_TEST_POSTGRES_DSN.
package gormtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for schema setup

	"github.com/orgkit/orgkit/adapters/gormstore"
	_ "github.com/orgkit/orgkit/adapters/gormstore/sqlite" // sqlite: URLs
	"github.com/orgkit/orgkit/internal/testenv"
)

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

// OpenURL opens a store on url without migrating it; it is closed when the test ends.
func OpenURL(t testing.TB, url string, opts ...gormstore.Option) *gormstore.Store {
	t.Helper()
	s, err := gormstore.Open(context.Background(), url, opts...)
	if err != nil {
		t.Fatalf("gormtest: open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Logf("gormtest: close: %v", err)
		}
	})
	return s
}

// HoldSQLiteWriteLock takes SQLite's write lock on url from another pool, as another process
// would, until release is called or the test ends.
func HoldSQLiteWriteLock(t testing.TB, url string) (release func()) {
	t.Helper()
	ctx := context.Background()
	db, err := OpenURL(t, url).SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	released := false
	release = func() {
		if released {
			return
		}
		released = true
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Error(err)
		}
		if err := conn.Close(); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(release)
	return release
}
