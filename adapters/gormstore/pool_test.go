package gormstore_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/internal/testenv"
)

// holdConns makes n concurrent transactions, each holding its own connection until all n
// are open, then commits them: afterwards the pool has opened n connections.
func holdConns(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	ctx := context.Background()
	var opened, release sync.WaitGroup
	opened.Add(n)
	release.Add(1)
	errs := make(chan error, 2*n) // each transaction reports at most two errors
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			tx, err := db.BeginTx(ctx, nil)
			opened.Done()
			if err != nil {
				errs <- err
				return
			}
			release.Wait()
			if _, err := tx.ExecContext(ctx, "SELECT 1"); err != nil {
				errs <- err
			}
			errs <- tx.Commit()
		})
	}
	opened.Wait()
	release.Done()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestOpen_PostgresPoolKeepsIdleConnections: after a burst of concurrent queries the pool
// keeps its connections for the next burst instead of closing all but database/sql's 2.
func TestOpen_PostgresPoolKeepsIdleConnections(t *testing.T) {
	testenv.Postgres(t)
	url := gormtest.URL(t, gormstore.Postgres)
	for name, c := range map[string]struct {
		opts []gormstore.Option
		max  int
	}{
		"default":        {nil, gormstore.DefaultMaxConns},
		"with max conns": {[]gormstore.Option{gormstore.WithMaxConns(6)}, 6},
	} {
		t.Run(name, func(t *testing.T) {
			db, err := gormtest.OpenURL(t, url, c.opts...).SQLDB()
			if err != nil {
				t.Fatal(err)
			}
			holdConns(t, db, c.max)
			st := db.Stats()
			if st.Idle != c.max || st.MaxOpenConnections != c.max || st.MaxIdleClosed != 0 {
				t.Fatalf("after %d concurrent transactions: %d idle, max open %d, %d closed as surplus idle; want %d, %d, 0",
					c.max, st.Idle, st.MaxOpenConnections, st.MaxIdleClosed, c.max, c.max)
			}
		})
	}
}
