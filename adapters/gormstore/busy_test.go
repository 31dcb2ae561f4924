package gormstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

var errUnavailable = &domain.Error{Code: domain.CodeUnavailable}

// lockSQLite opens another pool on url and holds the write lock until the test ends.
func lockSQLite(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	other, err := gormstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := other.Close(); err != nil {
			t.Logf("close the locking store: %v", err)
		}
	})
	db, err := other.SQLDB()
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
	t.Cleanup(func() {
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Error(err)
		}
		if err := conn.Close(); err != nil {
			t.Logf("close the locking connection: %v", err)
		}
	})
}

// TestSQLite_BusyIsUnavailable: when another connection holds the write lock beyond
// busy_timeout (from the URL, which wins over the default), writes in and out of a
// transaction fail as service_unavailable, not as internal errors.
func TestSQLite_BusyIsUnavailable(t *testing.T) {
	ctx := context.Background()
	url := gormtest.URL(t, gormstore.SQLite) + "?_pragma=busy_timeout(50)"
	s, err := gormstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Logf("close store: %v", err)
		}
	})
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	org := mustCreate(t, s.Organizations(), newOrg("acme"))
	lockSQLite(t, url)

	start := time.Now()
	if _, err := s.Organizations().Create(ctx, newOrg("other")); !errors.Is(err, errUnavailable) {
		t.Errorf("insert outside a transaction: %v, want service_unavailable", err)
	}
	err = s.Do(ctx, func(tx ports.Repos) error {
		_, err := tx.Organizations().Update(ctx, org, []string{domain.ColName})
		return err
	})
	if !errors.Is(err, errUnavailable) {
		t.Errorf("transaction: %v, want service_unavailable", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v: the URL's busy_timeout did not win", took)
	}
	if _, err := s.Organizations().Get(ctx, org.ID); err != nil {
		t.Errorf("reads must not wait for the writer (WAL): %v", err)
	}
}
