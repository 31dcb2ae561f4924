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

// TestSQLite_BusyIsUnavailable: when another connection holds the write lock beyond
// busy_timeout (from the URL, which wins over the default), writes in and out of a
// transaction fail as service_unavailable, not as internal errors.
func TestSQLite_BusyIsUnavailable(t *testing.T) {
	ctx := context.Background()
	url := gormtest.URL(t, gormstore.SQLite) + "?_pragma=busy_timeout(50)"
	s := gormtest.OpenURL(t, url)
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	org := mustCreate(t, s.Organizations(), newOrg("acme"))
	gormtest.HoldSQLiteWriteLock(t, url)

	start := time.Now()
	if _, err := s.Organizations().Create(ctx, newOrg("other")); !errors.Is(err, errUnavailable) {
		t.Errorf("insert outside a transaction: %v, want service_unavailable", err)
	}
	err := s.Do(ctx, func(tx ports.Repos) error {
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
